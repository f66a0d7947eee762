package dev.gatehouse.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeGemini;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.McpTestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Agent mode: a chat request naming gateway MCP tools gets its final answer after the gateway ran
 * the model's tool calls, through an OpenAI, an Anthropic and a Gemini upstream (strict fakes),
 * whole and streamed; unresolvable tools are a 400 listing them.
 */
class McpToolLoopTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static McpTestServer upstream;
    static FakeOpenAi openai;
    static FakeAnthropic anthropic;
    static FakeGemini gemini;
    static GatewayHarness gateway;
    static String keyWithoutTools;

    @BeforeAll
    static void start() {
        upstream = McpTestServer.start();
        openai = FakeOpenAi.start();
        anthropic = FakeAnthropic.start();
        gemini = FakeGemini.start();
        gateway = GatewayHarness.start("""
                providers:
                  oa: {kind: openai, base-url: "%s", api-key: %s}
                  an: {kind: anthropic, base-url: "%s", api-key: %s}
                  ge: {kind: gemini, base-url: "%s", api-key: %s}
                models:
                  gpt-4o: {targets: [{provider: oa}]}
                  claude-sonnet-4-5: {targets: [{provider: an}]}
                  gemini-2.5-flash: {targets: [{provider: ge}]}
                mcp:
                  servers:
                    docs:
                      transport: streamable-http
                      url: %s
                """.formatted(openai.baseUrl(), FakeOpenAi.DEFAULT_KEY, anthropic.baseUrl(), FakeAnthropic.DEFAULT_KEY,
                gemini.baseUrl(), FakeGemini.DEFAULT_KEY, upstream.streamableUrl()));
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        String team = master.ok("POST", "/teams", "{\"name\":\"loop\"}").text("id");
        String user = master.ok("POST", "/users", "{\"name\":\"L\",\"email\":\"l@example.com\",\"team_id\":\"" + team + "\",\"role\":\"member\"}").text("id");
        keyWithoutTools = master.ok("POST", "/keys", "{\"owner_id\":\"" + user + "\"}").text("key");
        McpGatewayTestSupport.awaitTool(gateway, "docs__echo");
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {gateway, openai, anthropic, gemini, upstream}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    static String chat(String model, boolean stream) {
        return """
                {"model":"%s","stream":%s,"messages":[{"role":"user","content":"Echo something"}],
                 "tools":[{"type":"mcp","server_label":"docs","allowed_tools":["echo"]}]}
                """.formatted(model, stream);
    }

    @Test
    void openAiUpstream() throws Exception {
        openai.reset();
        openai.onRequest(body -> {
            if (body.toString().contains("\"role\":\"tool\"")) {
                openai.toolCalls().answer("The tool said: " + body.path("messages").path(2).path("content").asText());
            } else {
                openai.toolCalls(new FakeOpenAi.ToolCallSpec("call_1", "docs__echo", "{\"text\":\"from the model\"}"));
            }
        });
        HttpResponse<String> r = gateway.post("/v1/chat/completions", chat("gpt-4o", false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.path("choices").path(0).path("message").path("content").asText()).isEqualTo("The tool said: from the model");
        assertThat(answer.path("gatehouse_mcp").path("rounds").asInt()).isEqualTo(2);
        // the model was offered the tool in its own format
        JsonNode first = JSON.readTree(openai.requests().get(0).body());
        assertThat(first.path("tools").path(0).path("function").path("name").asText()).isEqualTo("docs__echo");
    }

    @Test
    void anthropicUpstream() throws Exception {
        anthropic.onRequest(body -> {
            if (body.toString().contains("tool_result")) {
                anthropic.toolUses().answer("Claude read: " + (body.toString().contains("from claude") ? "from claude" : "?"));
            } else {
                anthropic.toolUses(new FakeAnthropic.ToolUse("toolu_1", "docs__echo", "{\"text\":\"from claude\"}"));
            }
        });
        HttpResponse<String> r = gateway.post("/v1/chat/completions", chat("claude-sonnet-4-5", false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("choices").path(0).path("message").path("content").asText())
                .isEqualTo("Claude read: from claude");
    }

    @Test
    void geminiUpstream() throws Exception {
        gemini.onRequest(body -> {
            if (body.toString().contains("functionResponse")) {
                gemini.answer("Gemini read: " + (body.toString().contains("from gemini") ? "from gemini" : "?"));
            } else {
                gemini.toolCalls(new FakeGemini.Call("docs__echo", "{\"text\":\"from gemini\"}"));
            }
        });
        HttpResponse<String> r = gateway.post("/v1/chat/completions", chat("gemini-2.5-flash", false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("choices").path(0).path("message").path("content").asText())
                .isEqualTo("Gemini read: from gemini");
    }

    @Test
    void streamingReportsTheToolRoundAndStreamsTheAnswer() {
        openai.reset();
        openai.onRequest(body -> {
            if (body.toString().contains("\"role\":\"tool\"")) {
                openai.toolCalls().chunkTexts("streamed ", "final ", "answer");
            } else {
                openai.toolCalls(new FakeOpenAi.ToolCallSpec("call_9", "docs__echo", "{\"text\":\"s\"}"));
            }
        });
        HttpResponse<String> r = gateway.post("/v1/chat/completions", chat("gpt-4o", true));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        assertThat(r.body()).contains(": gatehouse-mcp round 1: docs__echo ok");
        assertThat(r.body()).contains("\"content\":\"streamed \"").contains("\"content\":\"answer\"");
        assertThat(r.body().strip()).endsWith("data: [DONE]");
        assertThat(r.body()).doesNotContain("tool_calls");
    }

    @Test
    void theHeaderNamesToolsForClientsThatCannotAddThem() throws Exception {
        openai.reset();
        openai.onRequest(body -> {
            if (body.toString().contains("\"role\":\"tool\"")) {
                openai.toolCalls().answer("done via header");
            } else {
                openai.toolCalls(new FakeOpenAi.ToolCallSpec("call_2", "docs__add", "{\"a\":1,\"b\":2}"));
            }
        });
        HttpResponse<String> r = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).header("Content-Type", "application/json")
                .header("x-gatehouse-mcp", "docs/add")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"add\"}]}")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("done via header");
        JsonNode second = JSON.readTree(openai.requests().get(1).body());
        assertThat(second.toString()).contains("3.0");
    }

    @Test
    void unresolvableToolsAreA400ListingThem() {
        HttpResponse<String> unknown = gateway.post("/v1/chat/completions", """
                {"model":"gpt-4o","messages":[{"role":"user","content":"x"}],
                 "tools":[{"type":"mcp","server_label":"nope"},{"type":"mcp","server_label":"docs","allowed_tools":["echo","missing_tool"]}]}
                """);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("server 'nope'").contains("docs/missing_tool").doesNotContain("docs/echo'");
        HttpResponse<String> denied = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + keyWithoutTools).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chat("gpt-4o", false))));
        assertThat(denied.statusCode()).isEqualTo(400);
        assertThat(denied.body()).contains("server 'docs'").contains("No access policy");
    }

    @Test
    void aToolNameWithADotIsOfferedUnderANameEveryProviderAccepts() throws Exception {
        openai.reset();
        openai.onRequest(body -> {
            if (body.toString().contains("\"role\":\"tool\"")) {
                openai.toolCalls().answer("tool said: " + body.path("messages").path(2).path("content").asText());
            } else {
                openai.toolCalls(new FakeOpenAi.ToolCallSpec("call_d", "docs__name-with_dots_and-dashes", "{}"));
            }
        });
        // the whole server: its tool "name-with.dots_and-dashes" is offered too (OpenAI refuses '.' in function names)
        HttpResponse<String> r = gateway.post("/v1/chat/completions", """
                {"model":"gpt-4o","messages":[{"role":"user","content":"odd"}],"tools":[{"type":"mcp","server_label":"docs"}]}
                """);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("choices").path(0).path("message").path("content").asText())
                .isEqualTo("tool said: odd name ok");
        for (JsonNode tool : JSON.readTree(openai.requests().get(0).body()).path("tools")) {
            assertThat(tool.path("function").path("name").asText()).matches("[a-zA-Z0-9_-]{1,64}");
        }
    }

    @Test
    void aModelThatKeepsCallingToolsStopsAtMaxRounds() {
        openai.reset();
        openai.onRequest(null); // no script: the model asks for the tool every time
        openai.toolCalls(new FakeOpenAi.ToolCallSpec("call_x", "docs__echo", "{\"text\":\"again\"}"));
        HttpResponse<String> r = gateway.post("/v1/chat/completions", chat("gpt-4o", false));
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("mcp.max-rounds");
        assertThat(openai.requestCount()).isEqualTo(8);
    }

}
