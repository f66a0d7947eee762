package dev.gatehouse.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.beta.messages.BetaContentBlock;
import com.anthropic.models.beta.messages.BetaMcpToolResultBlock;
import com.anthropic.models.beta.messages.BetaMcpToolUseBlock;
import com.anthropic.models.beta.messages.BetaMcpToolset;
import com.anthropic.models.beta.messages.BetaMessage;
import com.anthropic.models.beta.messages.BetaRequestMcpServerUrlDefinition;
import com.anthropic.models.beta.messages.MessageCreateParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Agent mode on {@code /v1/messages}: Anthropic's MCP connector shape ({@code mcp_servers}, both
 * versions) names gateway servers; the gateway runs the loop through an Anthropic and an OpenAI
 * upstream and answers with the connector's {@code mcp_tool_use} and {@code mcp_tool_result} blocks.
 */
class McpMessagesTest {
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

    static HttpResponse<String> messages(String body, String mcpHeader) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/messages"))
                .header("x-api-key", GatewayHarness.MASTER_KEY).header("anthropic-version", "2023-06-01")
                .header("anthropic-beta", "mcp-client-2025-11-20").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (mcpHeader != null) {
            request.header("x-gatehouse-mcp", mcpHeader);
        }
        return gateway.send(request);
    }

    static void scriptAnthropic() {
        anthropic.reset();
        anthropic.onRequest(body -> {
            if (body.toString().contains("tool_result")) {
                anthropic.toolUses().answer("Claude read: " + (body.toString().contains("from claude") ? "from claude" : "?"));
            } else {
                anthropic.answer("").toolUses(new FakeAnthropic.ToolUse("toolu_1", "docs__echo", "{\"text\":\"from claude\"}"));
            }
        });
    }

    static List<String> types(JsonNode content) {
        List<String> types = new ArrayList<>();
        content.forEach(b -> types.add(b.path("type").asText()));
        return types;
    }

    @Test
    void theConnectorsShapeRunsTheLoopOnAnAnthropicUpstream() throws Exception {
        scriptAnthropic();
        HttpResponse<String> r = messages("""
                {"model":"claude-sonnet-4-5","max_tokens":256,"messages":[{"role":"user","content":"Echo something"}],
                 "mcp_servers":[{"type":"url","name":"docs","url":"https://gateway.example.com/mcp/docs"}],
                 "tools":[{"type":"mcp_toolset","mcp_server_name":"docs","default_config":{"enabled":false},
                           "configs":{"echo":{"enabled":true}}}]}
                """, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode message = JSON.readTree(r.body());
        JsonNode content = message.path("content");
        assertThat(types(content)).containsSubsequence("mcp_tool_use", "mcp_tool_result", "text");
        JsonNode use = content.get(types(content).indexOf("mcp_tool_use"));
        assertThat(use.path("name").asText()).isEqualTo("echo");
        assertThat(use.path("server_name").asText()).isEqualTo("docs");
        assertThat(use.path("input").path("text").asText()).isEqualTo("from claude");
        JsonNode result = content.get(types(content).indexOf("mcp_tool_result"));
        assertThat(result.path("tool_use_id").asText()).isEqualTo(use.path("id").asText());
        assertThat(result.path("is_error").asBoolean()).isFalse();
        assertThat(result.path("content").path(0).path("text").asText()).isEqualTo("from claude");
        assertThat(content.get(content.size() - 1).path("text").asText()).isEqualTo("Claude read: from claude");
        assertThat(message.path("stop_reason").asText()).isEqualTo("end_turn");
        // the model was offered exactly the one enabled tool, as an ordinary tool; the connector fields did not go upstream
        JsonNode first = JSON.readTree(anthropic.requests().get(0).body());
        assertThat(first.path("tools")).hasSize(1);
        assertThat(first.path("tools").path(0).path("name").asText()).isEqualTo("docs__echo");
        assertThat(first.has("mcp_servers")).isFalse();
    }

    @Test
    void theAnthropicSdkReadsTheConnectorsBlocks() {
        scriptAnthropic();
        AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(gateway.origin()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(20)).maxRetries(0).build();
        BetaMessage message = client.beta().messages().create(MessageCreateParams.builder()
                .model("claude-sonnet-4-5").maxTokens(256).addUserMessage("Echo something")
                .addBeta("mcp-client-2025-11-20")
                .addMcpServer(BetaRequestMcpServerUrlDefinition.builder().name("docs").url(gateway.origin() + "/mcp/docs").build())
                .addTool(BetaMcpToolset.builder().mcpServerName("docs").build())
                .build());
        List<BetaContentBlock> content = message.content();
        BetaMcpToolUseBlock use = content.stream().filter(BetaContentBlock::isMcpToolUse).findFirst().orElseThrow().asMcpToolUse();
        assertThat(use.name()).isEqualTo("echo");
        assertThat(use.serverName()).isEqualTo("docs");
        BetaMcpToolResultBlock result = content.stream().filter(BetaContentBlock::isMcpToolResult).findFirst().orElseThrow()
                .asMcpToolResult();
        assertThat(result.toolUseId()).isEqualTo(use.id());
        assertThat(result.isError()).isFalse();
        assertThat(result.content().asBetaMcpToolResultBlock().get(0).text()).isEqualTo("from claude");
        assertThat(content.get(content.size() - 1).asText().text()).isEqualTo("Claude read: from claude");
    }

    @Test
    void anOpenAiUpstreamServesTheSameLoop() throws Exception {
        openai.reset();
        openai.onRequest(body -> {
            if (body.toString().contains("\"role\":\"tool\"")) {
                openai.toolCalls().answer("GPT read it");
            } else {
                openai.toolCalls(new FakeOpenAi.ToolCallSpec("call_1", "docs__echo", "{\"text\":\"from gpt\"}"));
            }
        });
        HttpResponse<String> r = messages("""
                {"model":"gpt-4o","max_tokens":256,"messages":[{"role":"user","content":"Echo something"}],
                 "mcp_servers":[{"type":"url","name":"docs","tool_configuration":{"allowed_tools":["echo"]}}]}
                """, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode content = JSON.readTree(r.body()).path("content");
        assertThat(types(content)).containsSubsequence("mcp_tool_use", "mcp_tool_result", "text");
        assertThat(content.get(content.size() - 1).path("text").asText()).isEqualTo("GPT read it");
    }

    @Test
    void aStreamedRequestGetsTheMessagesEvents() {
        scriptAnthropic();
        HttpResponse<String> r = messages("""
                {"model":"claude-sonnet-4-5","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"Echo"}]}
                """, "docs/echo");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<String> events = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("event: ")) {
                events.add(line.substring(7));
            }
        }
        assertThat(events.getFirst()).isEqualTo("message_start");
        assertThat(events.getLast()).isEqualTo("message_stop");
        assertThat(r.body()).contains("\"type\":\"mcp_tool_use\"").contains("\"type\":\"mcp_tool_result\"")
                .contains("\"text\":\"Claude read: from claude\"");
    }

    @Test
    void unresolvableServersAndForeignUrlsAre400s() {
        HttpResponse<String> unknown = messages("""
                {"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"x"}],
                 "mcp_servers":[{"type":"url","name":"nope"}]}
                """, null);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("server 'nope'").contains("\"type\":\"error\"");
        HttpResponse<String> foreign = messages("""
                {"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"x"}],
                 "mcp_servers":[{"type":"url","name":"docs","url":"https://elsewhere.example.com/sse"}]}
                """, null);
        assertThat(foreign.statusCode()).isEqualTo(400);
        assertThat(foreign.body()).contains("mcp_servers.0.url");
    }
}
