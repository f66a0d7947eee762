package dev.gatehouse.api.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The official anthropic-java SDK against the gateway's {@code /v1/messages}: translated to an
 * OpenAI-format upstream ({@code gpt-via-messages}) and passed through to an Anthropic upstream
 * ({@code claude}).
 */
class AnthropicSdkTest {
    static FakeOpenAi openAi;
    static FakeAnthropic anthropic;
    static GatewayHarness gateway;
    static AnthropicClient client;

    @BeforeAll
    static void start() {
        openAi = FakeOpenAi.start();
        anthropic = FakeAnthropic.start();
        gateway = GatewayHarness.start("""
                providers:
                  openai: {kind: openai, base-url: "%s", api-key: %s}
                  claude: {kind: anthropic, base-url: "%s", api-key: %s}
                routing:
                  retries: {same-target: 0}   # these tests check how one upstream error is mapped, not retries
                models:
                  gpt-via-messages:
                    targets: [{provider: openai, model: gpt-4o}]
                  claude:
                    targets: [{provider: claude, model: claude-sonnet-4-5}]
                """.formatted(openAi.baseUrl(), FakeOpenAi.DEFAULT_KEY, anthropic.baseUrl(), FakeAnthropic.DEFAULT_KEY));
        client = sdk(GatewayHarness.MASTER_KEY);
    }

    static AnthropicClient sdk(String key) {
        return AnthropicOkHttpClient.builder().baseUrl(gateway.origin()).apiKey(key)
                .timeout(Duration.ofSeconds(10)).maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        anthropic.close();
        openAi.close();
    }

    @BeforeEach
    void reset() {
        openAi.reset();
        anthropic.reset();
    }

    private static MessageCreateParams.Builder params(String model) {
        return MessageCreateParams.builder().model(model).maxTokens(256);
    }

    private static Tool weatherTool() {
        return Tool.builder().name("get_weather").description("Weather for a city")
                .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .addRequired("city").build())
                .build();
    }

    // ---- translated: Anthropic caller → OpenAI-format upstream ----------------------------------

    @Test
    void translatedText() {
        Message m = client.messages().create(params("gpt-via-messages").system("Be brief.").addUserMessage("Hi").build());
        assertThat(m.content()).hasSize(1);
        assertThat(m.content().get(0).asText().text()).isEqualTo(FakeOpenAi.DEFAULT_ANSWER);
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
        assertThat(m.model().asString()).isEqualTo("gpt-4o"); // the model the upstream reports (docs/api.md)
        assertThat(m.usage().inputTokens()).isEqualTo(12);
        assertThat(m.usage().outputTokens()).isEqualTo(7);
        JsonNode sent = openAi.lastRequest().json();
        assertThat(sent.get("messages").get(0).get("role").asText()).isEqualTo("system");
        assertThat(sent.get("max_completion_tokens").asInt()).isEqualTo(256);
    }

    @Test
    void translatedToolsRoundTrip() {
        openAi.toolCalls(new FakeOpenAi.ToolCallSpec("call_1", "get_weather", "{\"city\":\"Paris\"}"),
                new FakeOpenAi.ToolCallSpec("call_2", "get_weather", "{\"city\":\"Oslo\"}"));
        Message first = client.messages().create(params("gpt-via-messages").addTool(weatherTool())
                .addUserMessage("Weather in Paris and Oslo?").build());
        assertThat(first.stopReason()).contains(StopReason.TOOL_USE);
        List<ToolUseBlock> uses = first.content().stream().filter(ContentBlock::isToolUse).map(ContentBlock::asToolUse).toList();
        assertThat(uses).extracting(ToolUseBlock::id).containsExactly("call_1", "call_2");
        assertThat(uses.get(0)._input().toString()).contains("Paris");
        JsonNode tools = openAi.lastRequest().json().get("tools");
        assertThat(tools.get(0).get("function").get("parameters").get("required").get(0).asText()).isEqualTo("city");

        openAi.reset();
        client.messages().create(params("gpt-via-messages").addTool(weatherTool())
                .addUserMessage("Weather in Paris and Oslo?")
                .addMessage(first)
                .addUserMessageOfContentBlockParams(List.of(
                        ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId("call_1").content("18C").build()),
                        ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId("call_2").content("9C").build())))
                .build());
        JsonNode messages = openAi.lastRequest().json().get("messages");
        assertThat(messages).hasSize(4);
        assertThat(messages.get(1).get("tool_calls").get(1).get("id").asText()).isEqualTo("call_2");
        assertThat(messages.get(2).get("role").asText()).isEqualTo("tool");
        assertThat(messages.get(3).get("tool_call_id").asText()).isEqualTo("call_2");
        assertThat(messages.get(3).get("content").asText()).isEqualTo("9C");
    }

    @Test
    void translatedStreamWithToolsAccumulates() {
        openAi.toolCalls(new FakeOpenAi.ToolCallSpec("call_9", "get_weather", "{\"city\":\"Rome\"}"));
        MessageAccumulator acc = MessageAccumulator.create();
        List<String> types = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(params("gpt-via-messages")
                .addTool(weatherTool()).addUserMessage("Weather in Rome?").build())) {
            s.stream().forEach(e -> {
                acc.accumulate(e);
                types.add(e.isMessageStart() ? "message_start" : e.isMessageStop() ? "message_stop"
                        : e.isMessageDelta() ? "message_delta" : e.isContentBlockStart() ? "start"
                        : e.isContentBlockStop() ? "stop" : "delta");
            });
        }
        Message m = acc.message();
        assertThat(types.getFirst()).isEqualTo("message_start");
        assertThat(types.getLast()).isEqualTo("message_stop");
        assertThat(types.get(types.size() - 2)).isEqualTo("message_delta");
        ToolUseBlock use = m.content().stream().filter(ContentBlock::isToolUse).findFirst().orElseThrow().asToolUse();
        assertThat(use.id()).isEqualTo("call_9");
        assertThat(use._input().toString()).contains("Rome");
        assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
        assertThat(m.usage().outputTokens()).isEqualTo(7);
    }

    /** message_start carries the gateway's count of the prompt; message_delta the upstream's exact figure. */
    @Test
    void translatedStreamCountsThePromptAtTheStart() {
        openAi.usage(1234, 5, 0, 0);
        Long[] atStart = {null};
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(params("gpt-via-messages")
                .addUserMessage("Count the tokens of this prompt, please: one two three four five six seven.").build())) {
            s.stream().forEach(e -> {
                if (e.isMessageStart()) {
                    atStart[0] = e.asMessageStart().message().usage().inputTokens();
                }
                acc.accumulate(e);
            });
        }
        assertThat(atStart[0]).isBetween(15L, 40L);
        assertThat(acc.message().usage().inputTokens()).isEqualTo(1234);
        assertThat(acc.message().usage().outputTokens()).isEqualTo(5);
    }

    @Test
    void translatedStreamText() {
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(params("gpt-via-messages")
                .addUserMessage("Hi").build())) {
            s.stream().forEach(acc::accumulate);
        }
        assertThat(acc.message().content().get(0).asText().text()).isEqualTo(FakeOpenAi.DEFAULT_ANSWER);
        assertThat(acc.message().stopReason()).contains(StopReason.END_TURN);
        assertThat(openAi.lastRequest().json().get("stream_options").get("include_usage").asBoolean()).isTrue();
    }

    @Test
    void translatedUpstreamErrorInAnthropicShape() {
        openAi.failNext(1, Fault.rateLimited(3));
        assertThatThrownBy(() -> client.messages().create(params("gpt-via-messages").addUserMessage("Hi").build()))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.getMessage()).contains("Rate limit reached");
                    assertThat(e.headers().values("retry-after")).containsExactly("3");
                });
        openAi.failNext(1, Fault.contextLengthExceeded());
        assertThatThrownBy(() -> client.messages().create(params("gpt-via-messages").addUserMessage("Hi").build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("maximum context length");
    }

    @Test
    void anthropicOnlyParameterRefusedForAnOpenAiModel() {
        assertThatThrownBy(() -> client.messages().create(params("gpt-via-messages").putAdditionalBodyProperty("top_k", JsonValue.from(5)).addUserMessage("Hi").build()))
                .isInstanceOf(BadRequestException.class)
                .hasMessageContaining("top_k").hasMessageContaining("gpt-via-messages");
        assertThat(openAi.requests()).isEmpty();
    }

    @Test
    void thinkingBudgetBecomesReasoningEffort() {
        client.messages().create(params("gpt-via-messages").maxTokens(8000).enabledThinking(4000).addUserMessage("Think").build());
        assertThat(openAi.lastRequest().json().get("reasoning_effort").asText()).isEqualTo("low");
    }

    // ---- passthrough: Anthropic caller → Anthropic upstream -------------------------------------

    @Test
    void passthroughText() {
        Message m = client.messages().create(params("claude").addUserMessage("Hi").build());
        assertThat(m.content().get(0).asText().text()).isEqualTo(FakeAnthropic.DEFAULT_ANSWER);
        assertThat(m.model().asString()).isEqualTo("claude-sonnet-4-5");
        assertThat(anthropic.lastRequest().json().get("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(anthropic.lastRequest().header("x-api-key")).isEqualTo(FakeAnthropic.DEFAULT_KEY);
    }

    @Test
    void passthroughStreamWithThinkingAndTools() {
        anthropic.thinking("Considering the city. ", "sig-123").answer("Let me check. ")
                .toolUses(new FakeAnthropic.ToolUse("toolu_7", "get_weather", "{\"city\":\"Lima\"}"));
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(params("claude").maxTokens(4000)
                .enabledThinking(2000).addTool(weatherTool()).addUserMessage("Weather in Lima?").build())) {
            s.stream().forEach(acc::accumulate);
        }
        Message m = acc.message();
        assertThat(m.content().get(0).asThinking().signature()).isEqualTo("sig-123");
        assertThat(m.content().get(2).asToolUse()._input().toString()).contains("Lima");
        assertThat(m.stopReason()).contains(StopReason.TOOL_USE);

        // the thinking block goes back unchanged in the next turn
        anthropic.reset();
        client.messages().create(params("claude").maxTokens(4000).enabledThinking(2000).addTool(weatherTool())
                .addUserMessage("Weather in Lima?").addMessage(m)
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(
                        ToolResultBlockParam.builder().toolUseId("toolu_7").content("20C").build()))).build());
        JsonNode sentThinking = anthropic.lastRequest().json().get("messages").get(1).get("content").get(0);
        assertThat(sentThinking.get("type").asText()).isEqualTo("thinking");
        assertThat(sentThinking.get("signature").asText()).isEqualTo("sig-123");
        assertThat(sentThinking.get("thinking").asText()).isEqualTo("Considering the city. ");
    }

    @Test
    void passthroughErrorsKeepAnthropicShape() {
        anthropic.failNext(1, FakeAnthropic.Failure.http(529, "overloaded_error", "Overloaded"));
        assertThatThrownBy(() -> client.messages().create(params("claude").addUserMessage("Hi").build()))
                .isInstanceOfSatisfying(AnthropicServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(503))
                .hasMessageContaining("Overloaded");
    }

    @Test
    void passthroughInBandErrorReachesTheSdk() {
        anthropic.failNext(1, FakeAnthropic.Failure.inBand(3, "overloaded_error", "Overloaded"));
        assertThatThrownBy(() -> {
            try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(params("claude").addUserMessage("Hi").build())) {
                s.stream().forEach(e -> { });
            }
        }).hasMessageContaining("Overloaded");
    }

    // ---- gateway errors in Anthropic shape --------------------------------------------------------

    @Test
    void badKeyUnknownModelAndMissingMaxTokens() {
        assertThatThrownBy(() -> sdk("sk-wrong-key-123456").messages().create(params("claude").addUserMessage("Hi").build()))
                .isInstanceOf(UnauthorizedException.class).hasMessageContaining("Invalid API key");
        assertThatThrownBy(() -> client.messages().create(params("claude-9").addUserMessage("Hi").build()))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("claude-9");
        var raw = gateway.post("/v1/messages", "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(raw.statusCode()).isEqualTo(400);
        assertThat(raw.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: Field required\"}}");
    }

    /**
     * /v1/messages goes through the same ingress as /v1/chat/completions: only application/json
     * (with parameters) is JSON; application/jsonl used to slip through a prefix match.
     */
    @Test
    void aContentTypeThatOnlyStartsWithApplicationJsonIs415InAnthropicShape() throws Exception {
        String body = "{\"model\":\"claude\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        for (String path : new String[] {"/v1/messages", "/v1/messages/count_tokens"}) {
            for (String type : new String[] {"application/jsonl", "application/json-seq"}) {
                HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + path))
                        .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                        .header("Content-Type", type)
                        .POST(HttpRequest.BodyPublishers.ofString(body)));
                assertThat(response.statusCode()).as(path + " " + type).isEqualTo(415);
                JsonNode error = new ObjectMapper().readTree(response.body());
                assertThat(error.path("type").asText()).isEqualTo("error");
                assertThat(error.path("error").path("type").asText()).isEqualTo("invalid_request_error");
                assertThat(error.path("error").path("message").asText()).contains(type);
                assertThat(response.headers().firstValue("request-id")).isPresent();
            }
        }
        HttpResponse<String> ok = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/messages"))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    }

    @Test
    void countTokens() {
        long n = client.messages().countTokens(MessageCountTokensParams.builder().model("claude")
                .system("You are a helpful assistant.").addUserMessage("Hello, how are you today?").build()).inputTokens();
        assertThat(n).isBetween(10L, 40L);
        assertThatThrownBy(() -> client.messages().countTokens(MessageCountTokensParams.builder().model("nope")
                .addUserMessage("Hi").build())).isInstanceOf(NotFoundException.class);
    }

    /** disable_parallel_tool_use: true to an OpenAI-format target is parallel_tool_calls: false. */
    @Test
    void disableParallelToolUseBecomesParallelToolCallsFalse() {
        HttpResponse<String> r = gateway.post("/v1/messages", """
                {"model":"gpt-via-messages","max_tokens":100,"messages":[{"role":"user","content":"Weather?"}],
                 "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
                 "tool_choice":{"type":"auto","disable_parallel_tool_use":true}}""");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(openAi.lastRequest().json().path("parallel_tool_calls").isBoolean()).isTrue();
        assertThat(openAi.lastRequest().json().path("parallel_tool_calls").booleanValue()).isFalse();
    }
}
