package dev.gatehouse.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.Tool;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Agent mode on {@code /v1/responses}: OpenAI's remote-MCP tool shape names a gateway server; the
 * gateway runs the tool loop through an OpenAI and an Anthropic upstream (strict fakes) and answers
 * with OpenAI's {@code mcp_list_tools} and {@code mcp_call} output items, whole or as events.
 */
class McpResponsesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static McpGatewayTestSupport.AgentGateway agent;
    static FakeOpenAi openai;
    static FakeAnthropic anthropic;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        agent = McpGatewayTestSupport.AgentGateway.start();
        openai = agent.openai();
        anthropic = agent.anthropic();
        gateway = agent.gateway();
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    static String request(String model, boolean stream, String extra) {
        return """
                {"model":"%s","stream":%s,"input":"Echo something",%s
                 "tools":[{"type":"mcp","server_label":"docs","allowed_tools":["echo"],"require_approval":"never"}]}
                """.formatted(model, stream, extra);
    }

    static void scriptOpenAi(String answerPrefix) {
        openai.reset();
        openai.onRequest(body -> {
            if (body.toString().contains("\"role\":\"tool\"")) {
                openai.toolCalls().answer(answerPrefix + body.path("messages").path(2).path("content").asText());
            } else {
                openai.toolCalls(new FakeOpenAi.ToolCallSpec("call_1", "docs__echo", "{\"text\":\"from the model\"}"));
            }
        });
    }

    static List<String> types(JsonNode output) {
        List<String> types = new ArrayList<>();
        output.forEach(i -> types.add(i.path("type").asText()));
        return types;
    }

    @Test
    void theAnswerCarriesMcpListToolsAndMcpCallItems() throws Exception {
        scriptOpenAi("The tool said: ");
        HttpResponse<String> r = gateway.post("/v1/responses", request("gpt-4o", false, ""));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode response = JSON.readTree(r.body());
        JsonNode output = response.path("output");
        assertThat(types(output)).containsExactly("mcp_list_tools", "mcp_call", "message");
        JsonNode list = output.path(0);
        assertThat(list.path("server_label").asText()).isEqualTo("docs");
        assertThat(list.path("tools").path(0).path("name").asText()).isEqualTo("echo");
        assertThat(list.path("tools").path(0).path("input_schema").path("type").asText()).isEqualTo("object");
        assertThat(list.path("id").asText()).startsWith("mcpl_");
        JsonNode call = output.path(1);
        assertThat(call.path("server_label").asText()).isEqualTo("docs");
        assertThat(call.path("name").asText()).isEqualTo("echo");
        assertThat(JSON.readTree(call.path("arguments").asText()).path("text").asText()).isEqualTo("from the model");
        assertThat(call.path("output").asText()).isEqualTo("from the model");
        assertThat(call.path("error").isNull()).isTrue();
        assertThat(call.path("id").asText()).startsWith("mcp_");
        assertThat(output.path(2).path("content").path(0).path("text").asText()).isEqualTo("The tool said: from the model");
        assertThat(response.path("status").asText()).isEqualTo("completed");
        // the caller's tools are echoed as sent, and the usage covers both rounds
        assertThat(response.path("tools").path(0).path("type").asText()).isEqualTo("mcp");
        assertThat(response.path("usage").path("input_tokens").asLong()).isGreaterThan(0);
        assertThat(r.headers().firstValue("x-gatehouse-mcp-rounds")).contains("2");
        // the model was offered the tool as a function, named server__tool
        JsonNode first = JSON.readTree(openai.requests().get(0).body());
        assertThat(first.path("tools").path(0).path("function").path("name").asText()).isEqualTo("docs__echo");
    }

    @Test
    void theOpenAiSdkReadsTheMcpItems() {
        scriptOpenAi("SDK: ");
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(GatewayHarness.MASTER_KEY).build();
        Response response = client.responses().create(ResponseCreateParams.builder().model("gpt-4o").input("Echo something")
                .addTool(Tool.Mcp.builder().serverLabel("docs").allowedToolsOfMcp(List.of("echo"))
                        .requireApproval(Tool.Mcp.RequireApproval.McpToolApprovalSetting.NEVER).build())
                .build());
        List<ResponseOutputItem> output = response.output();
        assertThat(output).hasSize(3);
        ResponseOutputItem.McpListTools listed = output.get(0).asMcpListTools();
        assertThat(listed.serverLabel()).isEqualTo("docs");
        assertThat(listed.tools()).extracting(ResponseOutputItem.McpListTools.Tool::name).containsExactly("echo");
        ResponseOutputItem.McpCall call = output.get(1).asMcpCall();
        assertThat(call.name()).isEqualTo("echo");
        assertThat(call.serverLabel()).isEqualTo("docs");
        assertThat(call.output()).contains("from the model");
        assertThat(call.error()).isEmpty();
        assertThat(call.status()).contains(ResponseOutputItem.McpCall.Status.COMPLETED);
        assertThat(output.get(2).asMessage().content().get(0).asOutputText().text()).isEqualTo("SDK: from the model");
    }

    @Test
    void aToolCallThatFailsIsAnMcpCallWithItsProtocolError() throws Exception {
        openai.reset();
        openai.onRequest(body -> {
            if (body.toString().contains("\"role\":\"tool\"")) {
                openai.toolCalls().answer("worked around it");
            } else {
                openai.toolCalls(new FakeOpenAi.ToolCallSpec("call_e", "docs__echo", "[1, 2]")); // not an object
            }
        });
        HttpResponse<String> r = gateway.post("/v1/responses", request("gpt-4o", false, ""));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode call = JSON.readTree(r.body()).path("output").path(1);
        assertThat(call.path("type").asText()).isEqualTo("mcp_call");
        assertThat(call.path("status").asText()).isEqualTo("failed");
        assertThat(call.path("output").isNull()).isTrue();
        assertThat(call.path("error").path("type").asText()).isEqualTo("mcp_protocol_error");
        assertThat(call.path("error").path("code").asInt()).isEqualTo(-32602);
    }

    @Test
    void anAnthropicUpstreamRunsTheSameLoop() throws Exception {
        anthropic.reset();
        anthropic.onRequest(body -> {
            if (body.toString().contains("tool_result")) {
                anthropic.toolUses().answer("Claude read: " + (body.toString().contains("from claude") ? "from claude" : "?"));
            } else {
                anthropic.answer("").toolUses(new FakeAnthropic.ToolUse("toolu_1", "docs__echo", "{\"text\":\"from claude\"}"));
            }
        });
        HttpResponse<String> r = gateway.post("/v1/responses", request("claude-sonnet-4-5", false, ""));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode output = JSON.readTree(r.body()).path("output");
        assertThat(types(output)).contains("mcp_list_tools", "mcp_call");
        assertThat(output.get(output.size() - 1).path("content").path(0).path("text").asText()).isEqualTo("Claude read: from claude");
    }

    @Test
    void aStreamedRequestGetsTheMcpEventsThenTheAnswer() {
        scriptOpenAi("Streamed: ");
        HttpResponse<String> r = gateway.post("/v1/responses", request("gpt-4o", true, ""));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        String body = r.body();
        List<String> events = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("event: ")) {
                events.add(line.substring(7));
            }
        }
        assertThat(events.getFirst()).isEqualTo("response.created");
        assertThat(events).containsSubsequence("response.mcp_list_tools.in_progress", "response.mcp_list_tools.completed",
                "response.mcp_call.in_progress", "response.mcp_call_arguments.done", "response.mcp_call.completed",
                "response.output_text.delta", "response.completed");
        assertThat(body).contains("Streamed: from the model");
    }

    @Test
    void aStoredResponseIsRetrievedAndContinued() throws Exception {
        scriptOpenAi("Stored: ");
        HttpResponse<String> r = gateway.post("/v1/responses", request("gpt-4o", false, ""));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String id = JSON.readTree(r.body()).path("id").asText();
        JsonNode stored = null;
        for (int i = 0; i < 50; i++) {
            HttpResponse<String> got = gateway.get("/v1/responses/" + id);
            if (got.statusCode() == 200) {
                stored = JSON.readTree(got.body());
                break;
            }
            Thread.sleep(100);
        }
        assertThat(stored).as("stored response").isNotNull();
        assertThat(types(stored.path("output"))).containsExactly("mcp_list_tools", "mcp_call", "message");
        // a follow-up turn sees the earlier tool round as the function call and output the model saw
        openai.reset();
        openai.onRequest(null);
        openai.answer("follow-up");
        HttpResponse<String> next = gateway.post("/v1/responses", """
                {"model":"gpt-4o","previous_response_id":"%s","input":"And again?"}
                """.formatted(id));
        assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
        String sent = openai.lastRequest().bodyString();
        assertThat(sent).contains("docs__echo").contains("\"role\":\"tool\"").contains("Stored: from the model");
    }

    @Test
    void toolsThatCannotBeResolvedOrNeedApprovalAre400s() {
        HttpResponse<String> unknown = gateway.post("/v1/responses", """
                {"model":"gpt-4o","input":"x","tools":[{"type":"mcp","server_label":"nope"}]}
                """);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("mcp_tools_unresolved").contains("server 'nope'");
        HttpResponse<String> approval = gateway.post("/v1/responses", """
                {"model":"gpt-4o","input":"x","tools":[{"type":"mcp","server_label":"docs","require_approval":"always"}]}
                """);
        assertThat(approval.statusCode()).isEqualTo(400);
        assertThat(approval.body()).contains("require_approval");
        HttpResponse<String> remote = gateway.post("/v1/responses", """
                {"model":"gpt-4o","input":"x","tools":[{"type":"mcp","server_label":"x","server_url":"https://example.com/mcp"}]}
                """);
        assertThat(remote.statusCode()).isEqualTo(400);
        assertThat(remote.body()).contains("server_url");
    }
}
