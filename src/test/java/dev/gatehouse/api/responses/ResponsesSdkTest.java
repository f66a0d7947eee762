package dev.gatehouse.api.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFormatTextJsonSchemaConfig;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputContent;
import com.openai.models.responses.ResponseInputImage;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseInputText;
import com.openai.models.responses.ResponseItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseTextConfig;
import com.openai.models.responses.inputitems.InputItemListParams;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeGemini;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The official openai-java SDK's Responses client → gateway → strict fakes of OpenAI chat
 * completions, Anthropic Messages and Gemini: three-turn tool-calling conversations chained by
 * previous_response_id, streamed (with the SDK's accumulator) and not.
 */
class ResponsesSdkTest {
    static FakeOpenAi openai;
    static FakeAnthropic anthropic;
    static FakeGemini gemini;
    static GatewayHarness gateway;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        openai = FakeOpenAi.start();
        anthropic = FakeAnthropic.start();
        gemini = FakeGemini.start();
        gateway = GatewayHarness.start("""
                providers:
                  oai: {kind: openai, base-url: "%s", api-key: %s}
                  claude: {kind: anthropic, base-url: "%s", api-key: %s}
                  google: {kind: gemini, base-url: "%s", api-key: %s}
                  mock: {kind: mock, mock: {chunk-delay: 1ms, output-tokens: 12}}
                routing:
                  retries: {same-target: 0}
                models:
                  gpt-4o:
                    targets: [{provider: oai, model: gpt-4o-2024-08-06}]
                  claude-sonnet:
                    targets: [{provider: claude, model: claude-sonnet-4-5}]
                  gemini-flash:
                    targets: [{provider: google, model: gemini-2.5-flash}]
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                """.formatted(openai.baseUrl(), FakeOpenAi.DEFAULT_KEY, anthropic.baseUrl(), FakeAnthropic.DEFAULT_KEY,
                gemini.baseUrl(), FakeGemini.DEFAULT_KEY));
        client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(15)).maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        openai.close();
        anthropic.close();
        gemini.close();
    }

    @BeforeEach
    void reset() {
        openai.reset();
        anthropic.reset();
    }

    static final FunctionTool WEATHER = FunctionTool.builder().name("get_weather").description("Weather in a city")
            .parameters(FunctionTool.Parameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                    .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                    .putAdditionalProperty("required", JsonValue.from(List.of("city"))).build())
            .strict(false).build();

    /** Sets the next answer of the model's fake upstream: a tool call, or text when {@code callId} is null. */
    private static void nextAnswer(String model, String callId, String text) {
        switch (model) {
            case "gpt-4o" -> {
                openai.reset();
                if (callId != null) {
                    openai.toolCalls(new FakeOpenAi.ToolCallSpec(callId, "get_weather", "{\"city\":\"Paris\"}"));
                } else {
                    openai.answer(text);
                }
            }
            case "claude-sonnet" -> {
                anthropic.reset();
                if (callId != null) {
                    anthropic.answer("").toolUses(new FakeAnthropic.ToolUse(callId, "get_weather", "{\"city\":\"Paris\"}"));
                } else {
                    anthropic.answer(text);
                }
            }
            default -> {
                if (callId != null) {
                    gemini.toolCalls(new FakeGemini.Call("get_weather", "{\"city\":\"Paris\"}"));
                } else {
                    gemini.answer(text);
                }
            }
        }
    }

    private static JsonNode lastUpstream(String model) {
        return switch (model) {
            case "gpt-4o" -> openai.lastRequest().json();
            case "claude-sonnet" -> anthropic.lastRequest().json();
            default -> gemini.lastRequest().json();
        };
    }

    private static Response create(ResponseCreateParams params, boolean stream, List<String> eventTypes) {
        if (!stream) {
            return client.responses().create(params);
        }
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> events = client.responses().createStreaming(params)) {
            events.stream().forEach(e -> {
                accumulator.accumulate(e);
                eventTypes.add(typeOf(e));
            });
        }
        return accumulator.response();
    }

    private static String typeOf(ResponseStreamEvent e) {
        if (e.isCreated()) {
            return "response.created";
        }
        if (e.isCompleted()) {
            return "response.completed";
        }
        if (e.isOutputTextDelta()) {
            return "response.output_text.delta";
        }
        if (e.isFunctionCallArgumentsDelta()) {
            return "response.function_call_arguments.delta";
        }
        return "other";
    }

    @ParameterizedTest(name = "{0} stream={1}")
    @CsvSource({"gpt-4o,false", "gpt-4o,true", "claude-sonnet,false", "claude-sonnet,true", "gemini-flash,false",
            "gemini-flash,true"})
    void threeTurnToolConversationByPreviousResponseId(String model, boolean stream) {
        List<String> events = new ArrayList<>();
        // Turn 1: the model calls the tool.
        nextAnswer(model, "call_w1", null);
        Response first = create(ResponseCreateParams.builder().model(model).instructions("Be brief.")
                .input("What is the weather in Paris?").addTool(WEATHER).build(), stream, events);
        assertThat(first.id()).startsWith("resp_");
        assertThat(first.status()).isPresent();
        List<ResponseFunctionToolCall> calls = first.output().stream().filter(ResponseOutputItem::isFunctionCall)
                .map(ResponseOutputItem::asFunctionCall).toList();
        assertThat(calls).hasSize(1);
        ResponseFunctionToolCall call = calls.get(0);
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).contains("Paris");
        assertThat(lastUpstream(model).toString()).contains("Be brief.", "What is the weather in Paris?");
        if (stream) {
            assertThat(events).first().isEqualTo("response.created");
            assertThat(events).last().isEqualTo("response.completed");
            assertThat(events).contains("response.function_call_arguments.delta");
        }

        // Turn 2: the tool's output, chained by previous_response_id; the model answers in text.
        nextAnswer(model, null, "It is sunny in Paris.");
        Response second = create(ResponseCreateParams.builder().model(model).previousResponseId(first.id()).addTool(WEATHER)
                .inputOfResponse(List.of(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                        .callId(call.callId()).output("18C and sunny").build()))).build(), stream, new ArrayList<>());
        assertThat(outputText(second)).isEqualTo("It is sunny in Paris.");
        assertThat(second.previousResponseId()).contains(first.id());
        String sent2 = lastUpstream(model).toString();
        assertThat(sent2).contains("What is the weather in Paris?", "18C and sunny", "get_weather", call.callId().isEmpty() ? "" : "Paris");
        assertThat(sent2).doesNotContain("Be brief."); // instructions are not carried to the next turn, as OpenAI does

        // Turn 3: a plain follow-up; the whole conversation (tool call and output included) is rebuilt.
        nextAnswer(model, null, "Tomorrow too.");
        Response third = create(ResponseCreateParams.builder().model(model).previousResponseId(second.id())
                .input("And tomorrow?").build(), stream, new ArrayList<>());
        assertThat(outputText(third)).isEqualTo("Tomorrow too.");
        String sent3 = lastUpstream(model).toString();
        assertThat(sent3).contains("What is the weather in Paris?", "18C and sunny", "It is sunny in Paris.", "And tomorrow?");
        assertThat(third.usage()).isPresent();
    }

    /** A follow-up may go to another provider than the turn before: the history is rebuilt in the new upstream's format. */
    @Test
    void followUpOnAnotherProvider() {
        nextAnswer("claude-sonnet", "toolu_x1", null);
        Response first = client.responses().create(ResponseCreateParams.builder().model("claude-sonnet")
                .input("Weather in Paris?").addTool(WEATHER).build());
        ResponseFunctionToolCall call = first.output().stream().filter(ResponseOutputItem::isFunctionCall)
                .map(ResponseOutputItem::asFunctionCall).findFirst().orElseThrow();
        nextAnswer("gemini-flash", null, "Sunny.");
        Response second = client.responses().create(ResponseCreateParams.builder().model("gemini-flash")
                .previousResponseId(first.id()).addTool(WEATHER)
                .inputOfResponse(List.of(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                        .callId(call.callId()).output("18C").build()))).build());
        assertThat(outputText(second)).isEqualTo("Sunny.");
        JsonNode contents = gemini.lastRequest().json().get("contents");
        assertThat(contents.toString()).contains("functionCall", "functionResponse", "18C", "Weather in Paris?");
    }

    @Test
    void textAnswerWithUsageAndEchoedParameters() {
        openai.usage(30, 7, 10, 3);
        Response r = client.responses().create(ResponseCreateParams.builder().model("gpt-4o").input("Hi")
                .temperature(0.3).maxOutputTokens(100).putAdditionalBodyProperty("metadata", JsonValue.from(Map.of("k", "v")))
                .build());
        assertThat(outputText(r)).isEqualTo(FakeOpenAi.DEFAULT_ANSWER);
        assertThat(r.model().toString()).isNotBlank();
        assertThat(r.temperature()).contains(0.3);
        assertThat(r.maxOutputTokens()).contains(100L);
        var usage = r.usage().orElseThrow();
        assertThat(usage.inputTokens()).isEqualTo(30);
        assertThat(usage.outputTokens()).isEqualTo(7);
        assertThat(usage.inputTokensDetails().cachedTokens()).isEqualTo(10);
        assertThat(usage.outputTokensDetails().reasoningTokens()).isEqualTo(3);
        JsonNode sent = openai.lastRequest().json();
        assertThat(sent.get("temperature").asDouble()).isEqualTo(0.3);
        assertThat(sent.get("max_completion_tokens") != null ? sent.get("max_completion_tokens").asInt() : sent.get("max_tokens").asInt())
                .isEqualTo(100);
        assertThat(sent.has("metadata")).isFalse(); // metadata stays with the gateway
    }

    @Test
    void jsonSchemaOutput() {
        openai.answer("{\"city\":\"Paris\"}");
        Response r = client.responses().create(ResponseCreateParams.builder().model("gpt-4o").input("City?")
                .text(ResponseTextConfig.builder().format(ResponseFormatTextJsonSchemaConfig.builder().name("city")
                        .schema(ResponseFormatTextJsonSchemaConfig.Schema.builder()
                                .putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                                .build()).strict(true).build()).build()).build());
        assertThat(outputText(r)).isEqualTo("{\"city\":\"Paris\"}");
        JsonNode format = openai.lastRequest().json().get("response_format");
        assertThat(format.get("type").asText()).isEqualTo("json_schema");
        assertThat(format.get("json_schema").get("name").asText()).isEqualTo("city");
    }

    @Test
    void imageInput() {
        anthropic.answer("A cat.");
        Response r = client.responses().create(ResponseCreateParams.builder().model("claude-sonnet")
                .inputOfResponse(List.of(ResponseInputItem.ofMessage(ResponseInputItem.Message.builder()
                        .role(ResponseInputItem.Message.Role.USER)
                        .addContent(ResponseInputContent.ofInputText(ResponseInputText.builder().text("What is this?").build()))
                        .addContent(ResponseInputContent.ofInputImage(ResponseInputImage.builder()
                                .detail(ResponseInputImage.Detail.AUTO).imageUrl("data:image/png;base64,iVBORw0KGgo=").build()))
                        .build()))).build());
        assertThat(outputText(r)).isEqualTo("A cat.");
        JsonNode content = anthropic.lastRequest().json().get("messages").get(0).get("content");
        assertThat(content.toString()).contains("\"type\":\"image\"", "iVBORw0KGgo=", "What is this?");
    }

    @Test
    void retrieveDeleteAndInputItems() {
        Response r = client.responses().create(ResponseCreateParams.builder().model("gpt-4o-mini").input("Hello there").build());
        Response again = client.responses().retrieve(r.id());
        assertThat(again.id()).isEqualTo(r.id());
        assertThat(outputText(again)).isEqualTo(outputText(r));
        List<ResponseItem> items = client.responses().inputItems().list(r.id()).data();
        assertThat(items).hasSize(1);
        assertThat(items.get(0).asResponseInputMessageItem().content().get(0).asInputText().text()).isEqualTo("Hello there");
        client.responses().delete(r.id());
        assertThatThrownBy(() -> client.responses().retrieve(r.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> client.responses().delete(r.id())).isInstanceOf(NotFoundException.class);
    }

    /** The SDK's streaming retrieve replays a stored response: the accumulated response is the stored one. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"text", "function_call", "reasoning"})
    void retrieveStreamingReplaysTheStoredResponse(String kind) {
        ResponseCreateParams.Builder params = switch (kind) {
            case "text" -> ResponseCreateParams.builder().model("gpt-4o-mini").input("Hello there");
            case "function_call" -> ResponseCreateParams.builder().model("gpt-4o-mini").input("Weather in Paris?").addTool(WEATHER);
            default -> {
                anthropic.thinking("Let me think about Paris.", "sig-abc").answer("Sunny.");
                yield ResponseCreateParams.builder().model("claude-sonnet").input("Weather?")
                        .reasoning(com.openai.models.Reasoning.builder().effort(com.openai.models.ReasoningEffort.LOW).build());
            }
        };
        Response created = client.responses().create(params.build());
        Response stored = client.responses().retrieve(created.id());

        ResponseAccumulator accumulator = ResponseAccumulator.create();
        List<ResponseStreamEvent> events = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().retrieveStreaming(created.id())) {
            stream.stream().forEach(e -> {
                accumulator.accumulate(e);
                events.add(e);
            });
        }
        assertThat(accumulator.response()).isEqualTo(stored);
        assertThat(events.getFirst().isCreated()).isTrue();
        assertThat(events.get(1).isInProgress()).isTrue();
        assertThat(events.getLast().isCompleted()).isTrue();
        switch (kind) {
            case "text" -> assertThat(events.stream().filter(ResponseStreamEvent::isOutputTextDelta)
                    .map(e -> e.asOutputTextDelta().delta()).reduce("", String::concat)).isEqualTo(outputText(stored));
            case "function_call" -> assertThat(events.stream().filter(ResponseStreamEvent::isFunctionCallArgumentsDone)
                    .map(e -> e.asFunctionCallArgumentsDone().arguments()).toList()).containsExactly("{\"city\":\"mock\"}");
            default -> assertThat(events.stream().filter(ResponseStreamEvent::isReasoningSummaryTextDone)
                    .map(e -> e.asReasoningSummaryTextDone().text()).toList()).containsExactly("Let me think about Paris.");
        }

        // Resumed after an event: the rest of the stream, sequence numbers continuing.
        try (StreamResponse<ResponseStreamEvent> rest = client.responses().retrieveStreaming(created.id(),
                com.openai.models.responses.ResponseRetrieveParams.builder().startingAfter(1L).build())) {
            List<ResponseStreamEvent> after = rest.stream().toList();
            assertThat(after).hasSize(events.size() - 2);
            assertThat(after.getFirst().isOutputItemAdded()).isTrue();
            assertThat(after.getFirst().asOutputItemAdded().sequenceNumber()).isEqualTo(2);
        }
        client.responses().delete(created.id());
        assertThatThrownBy(() -> client.responses().retrieveStreaming(created.id()).stream().toList())
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void inputItemsPaginate() {
        var input = new ArrayList<ResponseInputItem>();
        for (int i = 0; i < 5; i++) {
            input.add(ResponseInputItem.ofEasyInputMessage(com.openai.models.responses.EasyInputMessage.builder()
                    .role(com.openai.models.responses.EasyInputMessage.Role.USER).content("m" + i).build()));
        }
        Response r = client.responses().create(ResponseCreateParams.builder().model("gpt-4o-mini").inputOfResponse(input).build());
        var page = client.responses().inputItems().list(r.id(), InputItemListParams.builder().limit(2)
                .order(InputItemListParams.Order.ASC).build());
        assertThat(page.data()).hasSize(2);
        assertThat(page.hasMore()).contains(true);
        var rest = client.responses().inputItems().list(r.id(), InputItemListParams.builder().limit(10)
                .order(InputItemListParams.Order.ASC).after(page.data().get(1).asResponseInputMessageItem().id()).build());
        assertThat(rest.data()).hasSize(3);
        assertThat(rest.hasMore()).contains(false);
        var newest = client.responses().inputItems().list(r.id(), InputItemListParams.builder().limit(1).build());
        assertThat(newest.data().get(0).asResponseInputMessageItem().content().get(0).asInputText().text()).isEqualTo("m4");
    }

    @Test
    void storeFalseIsNotStored() {
        Response r = client.responses().create(ResponseCreateParams.builder().model("gpt-4o-mini").input("Hi").store(false).build());
        assertThat(r._additionalProperties().get("store").toString()).isEqualTo("false");
        assertThatThrownBy(() -> client.responses().retrieve(r.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> client.responses().create(ResponseCreateParams.builder().model("gpt-4o-mini")
                .previousResponseId(r.id()).input("again").build())).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("Previous response").hasMessageContaining(r.id());
    }

    @Test
    void builtInToolsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> client.responses().create(ResponseCreateParams.builder().model("gpt-4o").input("Hi")
                .addTool(com.openai.models.responses.Tool.Mcp.builder().serverLabel("x").serverUrl("https://example.com/mcp").build())
                .build())).isInstanceOf(BadRequestException.class).hasMessageContaining("tools[0].type").hasMessageContaining("mcp");
    }

    /** The demo's mock answers Responses calls with tools: a call first, text after the tool's output. */
    @ParameterizedTest(name = "stream={0}")
    @CsvSource({"false", "true"})
    void mockCallsFunctionToolsThenAnswers(boolean stream) {
        Response first = create(ResponseCreateParams.builder().model("gpt-4o-mini").input("Weather in Paris?").addTool(WEATHER)
                .build(), stream, new ArrayList<>());
        ResponseFunctionToolCall call = first.output().stream().filter(ResponseOutputItem::isFunctionCall)
                .map(ResponseOutputItem::asFunctionCall).findFirst().orElseThrow();
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).isEqualTo("{\"city\":\"mock\"}");
        Response second = create(ResponseCreateParams.builder().model("gpt-4o-mini").previousResponseId(first.id()).addTool(WEATHER)
                .inputOfResponse(List.of(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                        .callId(call.callId()).output("sunny").build()))).build(), stream, new ArrayList<>());
        assertThat(outputText(second)).startsWith("Mock answer to: Weather in Paris?");
        assertThat(second.output()).noneMatch(ResponseOutputItem::isFunctionCall);
    }

    /** Reasoning the upstream shows (Anthropic thinking) is a reasoning item with a summary, before the message. */
    @ParameterizedTest(name = "stream={0}")
    @CsvSource({"false", "true"})
    void reasoningBecomesAReasoningItem(boolean stream) {
        anthropic.thinking("Let me think about Paris.", "sig-abc").answer("Sunny.");
        Response r = create(ResponseCreateParams.builder().model("claude-sonnet").input("Weather?")
                .reasoning(com.openai.models.Reasoning.builder().effort(com.openai.models.ReasoningEffort.LOW).build()).build(),
                stream, new ArrayList<>());
        assertThat(r.output().get(0).isReasoning()).isTrue();
        assertThat(r.output().get(0).asReasoning().summary().get(0).text()).isEqualTo("Let me think about Paris.");
        assertThat(outputText(r)).isEqualTo("Sunny.");
        assertThat(anthropic.lastRequest().json().get("thinking").get("budget_tokens").asInt()).isEqualTo(2048);
    }

    static String outputText(Response r) {
        StringBuilder b = new StringBuilder();
        for (ResponseOutputItem item : r.output()) {
            if (item.isMessage()) {
                item.asMessage().content().forEach(c -> c.outputText().ifPresent(t -> b.append(t.text())));
            }
        }
        return b.toString();
    }
}
