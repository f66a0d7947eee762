package dev.gatehouse.dialect.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeAnthropic.Failure;
import dev.gatehouse.testing.FakeAnthropic.ToolUse;
import dev.gatehouse.testing.GatewayHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official openai-java SDK → gateway → a strict fake Anthropic Messages API. */
class OpenAiSdkToAnthropicTest {
    static FakeAnthropic anthropic;
    static GatewayHarness gateway;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        anthropic = FakeAnthropic.start();
        gateway = GatewayHarness.start("""
                providers:
                  claude: {kind: anthropic, base-url: "%s", api-key: %s}
                routing:
                  retries: {same-target: 0}   # these tests check how one upstream error is mapped, not retries
                models:
                  claude-sonnet:
                    targets: [{provider: claude, model: claude-sonnet-4-5}]
                """.formatted(anthropic.baseUrl(), FakeAnthropic.DEFAULT_KEY));
        client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(10)).maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        anthropic.close();
    }

    @BeforeEach
    void reset() {
        anthropic.reset();
    }

    private static ChatCompletionCreateParams.Builder params() {
        return ChatCompletionCreateParams.builder().model("claude-sonnet");
    }

    @Test
    void textWithSystemPromptAndDefaultMaxTokens() {
        anthropic.usage(30, 10, 5);
        ChatCompletion c = client.chat().completions().create(params()
                .addSystemMessage("Be brief.").addDeveloperMessage("Answer in English.").addUserMessage("Hi").temperature(0.2).build());
        assertThat(c.choices().get(0).message().content()).contains(FakeAnthropic.DEFAULT_ANSWER);
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        JsonNode sent = anthropic.lastRequest().json();
        assertThat(sent.get("system").asText()).isEqualTo("Be brief.\n\nAnswer in English.");
        assertThat(sent.get("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(sent.get("max_tokens").asInt()).isEqualTo(32000);
        assertThat(sent.get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(anthropic.lastRequest().header("anthropic-version")).isEqualTo("2023-06-01");
        var usage = c.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(45); // 30 uncached + 10 cache reads + 5 cache writes
        assertThat(usage.promptTokensDetails().orElseThrow().cachedTokens()).contains(10L);
        assertThat(usage.completionTokens()).isEqualTo(6);
    }

    @Test
    void multiTurnConsecutiveUserMessagesAreMerged() {
        client.chat().completions().create(params()
                .addUserMessage("First")
                .addUserMessage("Second")
                .addAssistantMessage("Reply")
                .addUserMessage("Third").build());
        JsonNode messages = anthropic.lastRequest().json().get("messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.get(0).get("role").asText()).isEqualTo("user");
        assertThat(messages.get(0).get("content")).hasSize(2);
        assertThat(messages.get(1).get("content").get(0).get("text").asText()).isEqualTo("Reply");
    }

    /** parallel_tool_calls: false to an Anthropic-format target is tool_choice.disable_parallel_tool_use: true. */
    @Test
    void parallelToolCallsFalseBecomesDisableParallelToolUse() {
        anthropic.answer("").toolUses(new ToolUse("toolu_01A", "get_weather", "{\"city\":\"Paris\"}"));
        ChatCompletionFunctionTool tool = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather").parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .build()).build()).build();
        ChatCompletion c = client.chat().completions().create(params().addUserMessage("Weather?").addTool(tool)
                .parallelToolCalls(false).build());
        assertThat(c.choices().get(0).message().toolCalls().orElseThrow()).hasSize(1);
        JsonNode choice = anthropic.lastRequest().json().get("tool_choice");
        assertThat(choice.get("type").asText()).isEqualTo("auto");
        assertThat(choice.get("disable_parallel_tool_use").asBoolean()).isTrue();
    }

    @Test
    void toolsRoundTripWithParallelCalls() {
        anthropic.answer("").toolUses(new ToolUse("toolu_01A", "get_weather", "{\"city\":\"Paris\"}"),
                new ToolUse("toolu_01B", "get_weather", "{\"city\":\"Oslo\"}"));
        ChatCompletionFunctionTool tool = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather").description("Weather for a city")
                .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string")))).build())
                .build()).build();
        ChatCompletion c = client.chat().completions().create(params().addUserMessage("Weather in Paris and Oslo?")
                .addTool(tool).toolChoice(com.openai.models.chat.completions.ChatCompletionToolChoiceOption.Auto.REQUIRED).build());
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        List<ChatCompletionMessageToolCall> calls = c.choices().get(0).message().toolCalls().orElseThrow();
        assertThat(calls).hasSize(2);
        ChatCompletionMessageFunctionToolCall first = calls.get(0).asFunction();
        assertThat(first.id()).isEqualTo("toolu_01A");
        assertThat(first.function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
        JsonNode sent = anthropic.lastRequest().json();
        assertThat(sent.get("tools").get(0).get("input_schema").get("type").asText()).isEqualTo("object");
        assertThat(sent.get("tool_choice").get("type").asText()).isEqualTo("any");

        // the second turn: the assistant's calls and both results go back; ids must match
        anthropic.reset();
        ChatCompletion second = client.chat().completions().create(params().addUserMessage("Weather in Paris and Oslo?")
                .addTool(tool)
                .addMessage(c.choices().get(0).message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId("toolu_01A").content("18C").build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId("toolu_01B").content("9C").build())
                .build());
        assertThat(second.choices().get(0).message().content()).contains(FakeAnthropic.DEFAULT_ANSWER);
        JsonNode messages = anthropic.lastRequest().json().get("messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.get(1).get("content").get(0).get("type").asText()).isEqualTo("tool_use");
        assertThat(messages.get(1).get("content").get(0).get("input").get("city").asText()).isEqualTo("Paris");
        JsonNode results = messages.get(2).get("content");
        assertThat(results).hasSize(2);
        assertThat(results.get(0).get("type").asText()).isEqualTo("tool_result");
        assertThat(results.get(1).get("tool_use_id").asText()).isEqualTo("toolu_01B");
        assertThat(results.get(1).get("content").asText()).isEqualTo("9C");
    }

    @Test
    void imagesAsDataUrlAndHttpUrl() {
        client.chat().completions().create(params().addUserMessageOfArrayOfContentParts(List.of(
                ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("What is this?").build()),
                ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder().imageUrl(
                        ChatCompletionContentPartImage.ImageUrl.builder().url("data:image/png;base64,iVBORw0KGgo=").build()).build()),
                ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder().imageUrl(
                        ChatCompletionContentPartImage.ImageUrl.builder().url("https://example.com/cat.jpg").build()).build())))
                .build());
        JsonNode content = anthropic.lastRequest().json().get("messages").get(0).get("content");
        assertThat(content.get(1).get("source").get("type").asText()).isEqualTo("base64");
        assertThat(content.get(1).get("source").get("media_type").asText()).isEqualTo("image/png");
        assertThat(content.get(1).get("source").get("data").asText()).isEqualTo("iVBORw0KGgo=");
        assertThat(content.get(2).get("source").get("type").asText()).isEqualTo("url");
        assertThat(content.get(2).get("source").get("url").asText()).isEqualTo("https://example.com/cat.jpg");
    }

    @Test
    void stopSequencesAndMaxTokens() {
        anthropic.answer("one two three STOP four");
        ChatCompletion stopped = client.chat().completions().create(params().addUserMessage("count").stopOfStrings(List.of("STOP")).build());
        assertThat(stopped.choices().get(0).message().content()).contains("one two three ");
        assertThat(stopped.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(anthropic.lastRequest().json().get("stop_sequences").get(0).asText()).isEqualTo("STOP");

        ChatCompletion cut = client.chat().completions().create(params().addUserMessage("count").maxCompletionTokens(2).build());
        assertThat(cut.choices().get(0).message().content()).contains("one two ");
        assertThat(cut.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
        assertThat(anthropic.lastRequest().json().get("max_tokens").asInt()).isEqualTo(2);
    }

    @Test
    void jsonSchemaOutputIsAForcedToolUnwrappedToText() {
        anthropic.answer("").toolUses(new ToolUse("toolu_j", AnthropicFormat.JSON_TOOL, "{\"name\":\"Ada\",\"age\":36}"));
        ChatCompletion c = client.chat().completions().create(params().addUserMessage("Who?")
                .responseFormat(ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                        .name("person").schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                                .putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of("name", Map.of("type", "string"))))
                                .build()).build()).build()).build());
        assertThat(c.choices().get(0).message().content()).contains("{\"name\":\"Ada\",\"age\":36}");
        assertThat(c.choices().get(0).message().toolCalls().orElse(List.of())).isEmpty();
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        JsonNode sent = anthropic.lastRequest().json();
        assertThat(sent.get("tool_choice").get("name").asText()).isEqualTo(AnthropicFormat.JSON_TOOL);
    }

    /** Text the model writes before the forced JSON tool is commentary: it must not be glued to the JSON. */
    @Test
    void textBeforeTheJsonToolIsDropped() {
        anthropic.answer("Here is the person you asked for:")
                .toolUses(new ToolUse("toolu_j", AnthropicFormat.JSON_TOOL, "{\"name\":\"Ada\",\"age\":36}"));
        ChatCompletionCreateParams asked = params().addUserMessage("Who?")
                .responseFormat(ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                        .name("person").schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                                .putAdditionalProperty("type", JsonValue.from("object")).build()).build()).build()).build();
        ChatCompletion c = client.chat().completions().create(asked);
        assertThat(c.choices().get(0).message().content()).hasValue("{\"name\":\"Ada\",\"age\":36}");

        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(asked)) {
            s.stream().forEach(ch -> ch.choices().forEach(choice -> choice.delta().content().ifPresent(streamed::append)));
        }
        assertThat(streamed.toString()).isEqualTo("{\"name\":\"Ada\",\"age\":36}");
    }

    @Test
    void reasoningEffortBecomesAThinkingBudget() {
        anthropic.thinking("Let me think. ", "sig-abc");
        ChatCompletion c = client.chat().completions().create(params().addUserMessage("Hard question")
                .reasoningEffort(com.openai.models.ReasoningEffort.LOW).build());
        assertThat(c.choices().get(0).message().content()).contains(FakeAnthropic.DEFAULT_ANSWER);
        JsonNode sent = anthropic.lastRequest().json();
        assertThat(sent.get("thinking").get("budget_tokens").asInt()).isEqualTo(2048);
        assertThat(sent.get("max_tokens").asInt()).isEqualTo(32000 + 2048);
    }

    @Test
    void untranslatableFieldsAreRefusedNamingFeatureAndModel() {
        assertThatThrownBy(() -> client.chat().completions().create(params().addUserMessage("hi").n(2).build()))
                .isInstanceOf(BadRequestException.class)
                .hasMessageContaining("'n' > 1").hasMessageContaining("claude-sonnet-4-5");
        assertThatThrownBy(() -> client.chat().completions().create(params().addUserMessage("hi").logprobs(true).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("logprobs");
        assertThatThrownBy(() -> client.chat().completions().create(params().addUserMessage("hi").seed(7).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("seed");
        assertThat(anthropic.requests()).isEmpty();
    }

    @Test
    void upstreamErrorsAreMapped() {
        anthropic.failNext(1, Failure.http(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")
                .withHeader("retry-after", "7"));
        assertThatThrownBy(() -> client.chat().completions().create(params().addUserMessage("hi").build()))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.getMessage()).contains("per-minute rate limit");
                    assertThat(e.headers().values("retry-after")).containsExactly("7");
                });
        anthropic.failNext(1, Failure.http(529, "overloaded_error", "Overloaded"));
        assertThatThrownBy(() -> client.chat().completions().create(params().addUserMessage("hi").build()))
                .isInstanceOfSatisfying(OpenAIServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(503))
                .hasMessageContaining("Overloaded");
        anthropic.failNext(1, Failure.http(400, "invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"));
        assertThatThrownBy(() -> client.chat().completions().create(params().addUserMessage("hi").build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("prompt is too long");
    }

    @Test
    void streamingTextAndUsage() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params().addUserMessage("Hi")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            s.stream().forEach(chunks::add);
        }
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
        assertThat(text.toString()).isEqualTo(FakeAnthropic.DEFAULT_ANSWER);
        assertThat(chunks.size()).isGreaterThan(6);
        ChatCompletionChunk last = chunks.getLast();
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().promptTokens()).isEqualTo(25);
        assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(6);
        assertThat(anthropic.lastRequest().json().get("stream").asBoolean()).isTrue();
    }

    @Test
    void streamingToolCallArgumentFragments() {
        anthropic.answer("").toolUses(new ToolUse("toolu_1", "lookup", "{\"query\":\"gatehouse gateway\"}"),
                new ToolUse("toolu_2", "lookup", "{\"query\":\"anthropic\"}"));
        ChatCompletionFunctionTool tool = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("lookup").build()).build();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params().addUserMessage("find")
                .addTool(tool).build())) {
            s.stream().forEach(chunks::add);
        }
        StringBuilder[] args = {new StringBuilder(), new StringBuilder()};
        List<String> ids = new ArrayList<>();
        int fragments = 0;
        ChatCompletionChunk.Choice.FinishReason finish = null;
        for (ChatCompletionChunk chunk : chunks) {
            for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                for (var call : choice.delta().toolCalls().orElse(List.of())) {
                    call.id().ifPresent(ids::add);
                    call.function().flatMap(f -> f.arguments()).ifPresent(a -> args[(int) call.index()].append(a));
                    fragments++;
                }
                if (choice.finishReason().isPresent()) {
                    finish = choice.finishReason().get();
                }
            }
        }
        assertThat(ids).containsExactly("toolu_1", "toolu_2");
        assertThat(args[0].toString()).isEqualTo("{\"query\":\"gatehouse gateway\"}");
        assertThat(args[1].toString()).isEqualTo("{\"query\":\"anthropic\"}");
        assertThat(fragments).isGreaterThan(4);
        assertThat(finish).isEqualTo(ChatCompletionChunk.Choice.FinishReason.TOOL_CALLS);
    }

    @Test
    void inBandStreamErrorEndsTheStreamWithAnError() {
        anthropic.failNext(1, Failure.inBand(4, "overloaded_error", "Overloaded"));
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params().addUserMessage("Hi").build())) {
                s.stream().forEach(chunks::add);
            }
        }).hasMessageContaining("Overloaded");
    }

    @Test
    void embeddingsOnAnAnthropicProviderAreRefused() {
        // no embedding route exists here, so the gateway says the model is a chat model
        assertThat(gateway.post("/v1/embeddings", "{\"model\":\"claude-sonnet\",\"input\":\"x\"}").statusCode()).isEqualTo(400);
    }
}
