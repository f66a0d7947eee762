package dev.gatehouse.dialect.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.RateLimitException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.gatehouse.provider.http.ImageFetcher;
import dev.gatehouse.testing.FakeGemini;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.RecordedRequest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official openai-java SDK → gateway → a strict fake Gemini API. */
class GeminiSdkTest {
    static final byte[] PNG = Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
    static FakeGemini fake;
    static GatewayHarness gateway;
    static OpenAIClient client;
    static Vertx vertx;
    static HttpServer images;

    @BeforeAll
    static void start() throws Exception {
        // Test-only: the image server below listens on 127.0.0.1, which production refuses.
        System.setProperty(ImageFetcher.ALLOW_LOOPBACK_PROPERTY, "true");
        vertx = Vertx.vertx();
        images = vertx.createHttpServer().requestHandler(req -> {
            switch (req.path()) {
                case "/cat.png" -> req.response().putHeader("content-type", "image/png").end(Buffer.buffer(PNG));
                case "/moved" -> req.response().setStatusCode(302).putHeader("location", "/cat.png").end();
                case "/page.html" -> req.response().putHeader("content-type", "text/html").end("<html></html>");
                default -> req.response().setStatusCode(404).end();
            }
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        fake = FakeGemini.start();
        gateway = GatewayHarness.start("""
                providers:
                  google: {kind: gemini, base-url: %s, api-key: %s}
                routing:
                  retries: {same-target: 0}   # these tests check how one upstream error is mapped, not retries
                models:
                  gemini-flash:
                    targets: [{provider: google, model: gemini-2.5-flash}]
                  gemini-embed:
                    type: embedding
                    targets: [{provider: google, model: text-embedding-004}]
                """.formatted(fake.baseUrl(), FakeGemini.DEFAULT_KEY));
        client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(20)).maxRetries(0).build();
    }

    @AfterAll
    static void stop() throws Exception {
        System.clearProperty(ImageFetcher.ALLOW_LOOPBACK_PROPERTY);
        gateway.close();
        fake.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @BeforeEach
    void reset() {
        fake.answer("Hello from Gemini.").thought(null).blockPrompt(null).finishReason(null).usage(11, 0, 0).cutAfter(-1);
    }

    static JsonNode json(String text) {
        try {
            return GeminiWireCodec.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ChatCompletionCreateParams.Builder params() {
        return ChatCompletionCreateParams.builder().model("gemini-flash");
    }

    static String imageUrl(String path) {
        return "http://127.0.0.1:" + images.actualPort() + path;
    }

    @Test
    void text() {
        ChatCompletion c = client.chat().completions().create(params().addUserMessage("Hi").build());
        assertThat(c.choices().get(0).message().content()).hasValue("Hello from Gemini.");
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(c.model()).isEqualTo("gemini-2.5-flash"); // Gemini's modelVersion, as OpenAI upstreams report theirs
        assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(11);
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(3);
        RecordedRequest r = fake.lastRequest();
        assertThat(r.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(r.header("x-goog-api-key")).isEqualTo(FakeGemini.DEFAULT_KEY);
        assertThat(r.json().path("contents").toString()).isEqualTo("[{\"role\":\"user\",\"parts\":[{\"text\":\"Hi\"}]}]");
    }

    @Test
    void systemAndMultiTurn() {
        client.chat().completions().create(params().addSystemMessage("Be brief.").addDeveloperMessage("Use French.")
                .addUserMessage("Hi").addAssistantMessage("Bonjour").addUserMessage("How are you?").addUserMessage("Really?")
                .temperature(0.3).topP(0.9).seed(7).build());
        JsonNode body = fake.lastRequest().json();
        assertThat(body.path("systemInstruction").path("parts").toString())
                .isEqualTo("[{\"text\":\"Be brief.\"},{\"text\":\"Use French.\"}]");
        JsonNode contents = body.path("contents");
        assertThat(contents).hasSize(3);
        assertThat(contents.get(0).path("role").asText()).isEqualTo("user");
        assertThat(contents.get(1).path("role").asText()).isEqualTo("model");
        assertThat(contents.get(2).path("parts").toString()).isEqualTo("[{\"text\":\"How are you?\"},{\"text\":\"Really?\"}]");
        JsonNode gen = body.path("generationConfig");
        assertThat(gen.path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(gen.path("topP").asDouble()).isEqualTo(0.9);
        assertThat(gen.path("seed").asInt()).isEqualTo(7);
    }

    static FunctionDefinition weatherTool() {
        return FunctionDefinition.builder().name("get_weather").description("Weather in a city").strict(true)
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("$schema", JsonValue.from("http://json-schema.org/draft-07/schema#"))
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of(
                                "city", Map.of("type", "string"),
                                "unit", Map.of("type", List.of("string", "null"), "enum", List.of("c", "f")))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("city", "unit")))
                        .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                        .build())
                .build();
    }

    @Test
    void parallelToolCallsRoundTrip() {
        fake.toolCalls(new FakeGemini.Call("get_weather", "{\"city\":\"Paris\",\"unit\":\"c\"}"),
                new FakeGemini.Call("get_weather", "{\"city\":\"London\",\"unit\":null}"));
        ChatCompletionCreateParams first = params().addUserMessage("Weather in Paris and London?")
                .addFunctionTool(weatherTool()).build();
        ChatCompletion c = client.chat().completions().create(first);
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        List<ChatCompletionMessageFunctionToolCall> calls = c.choices().get(0).message().toolCalls().orElseThrow()
                .stream().map(t -> t.asFunction()).toList();
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).id()).isNotEqualTo(calls.get(1).id()).startsWith("call_");
        assertThat(calls.get(0).function().name()).isEqualTo("get_weather");
        assertThat(calls.get(0).function().arguments()).isEqualTo("{\"city\":\"Paris\",\"unit\":\"c\"}");
        assertThat(calls.get(1).function().arguments()).isEqualTo("{\"city\":\"London\",\"unit\":null}");
        JsonNode declared = fake.lastRequest().json().path("tools").path(0).path("functionDeclarations").path(0);
        assertThat(declared.path("name").asText()).isEqualTo("get_weather");
        assertThat(declared.path("parameters").has("additionalProperties")).isFalse();
        assertThat(declared.path("parameters").has("$schema")).isFalse();
        assertThat(declared.path("parameters").path("properties").path("unit"))
                .isEqualTo(json("{\"type\":\"string\",\"nullable\":true,\"enum\":[\"c\",\"f\"]}"));

        fake.answer("Paris 21C, London 15C.");
        ChatCompletion second = client.chat().completions().create(first.toBuilder()
                .addMessage(c.choices().get(0).message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(calls.get(0).id()).content("{\"temp\":21}").build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(calls.get(1).id()).content("15 degrees").build())
                .build());
        assertThat(second.choices().get(0).message().content()).hasValue("Paris 21C, London 15C.");
        JsonNode contents = fake.lastRequest().json().path("contents");
        assertThat(contents).hasSize(3);
        assertThat(contents.get(1).path("role").asText()).isEqualTo("model");
        assertThat(contents.get(1).path("parts").get(0).path("functionCall").path("args").path("city").asText()).isEqualTo("Paris");
        assertThat(contents.get(2).path("role").asText()).isEqualTo("user");
        assertThat(contents.get(2).path("parts").toString()).isEqualTo(
                "[{\"functionResponse\":{\"name\":\"get_weather\",\"response\":{\"temp\":21}}},"
                        + "{\"functionResponse\":{\"name\":\"get_weather\",\"response\":{\"output\":\"15 degrees\"}}}]");
    }

    @Test
    void namedToolChoiceBecomesAnyWithAllowedNames() {
        fake.toolCalls(new FakeGemini.Call("get_weather", "{\"city\":\"Oslo\",\"unit\":\"c\"}"));
        client.chat().completions().create(params().addUserMessage("Oslo?").addFunctionTool(weatherTool())
                .toolChoice(ChatCompletionNamedToolChoice.builder()
                        .function(ChatCompletionNamedToolChoice.Function.builder().name("get_weather").build()).build())
                .build());
        assertThat(fake.lastRequest().json().path("toolConfig").toString())
                .isEqualTo("{\"functionCallingConfig\":{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"get_weather\"]}}");
    }

    static ChatCompletionCreateParams imageParams(String url) {
        return params().addUserMessageOfArrayOfContentParts(List.of(
                ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("What is this?").build()),
                ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                        .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url(url).build()).build()))).build();
    }

    @Test
    void imageAsDataUrl() {
        String data = Base64.getEncoder().encodeToString(PNG);
        client.chat().completions().create(imageParams("data:image/png;base64," + data));
        JsonNode part = fake.lastRequest().json().path("contents").path(0).path("parts").path(1);
        assertThat(part.toString()).isEqualTo("{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"" + data + "\"}}");
    }

    @Test
    void imageByHttpUrlIsFetchedAndInlined() {
        client.chat().completions().create(imageParams(imageUrl("/moved"))); // a redirect to /cat.png
        JsonNode inline = fake.lastRequest().json().path("contents").path(0).path("parts").path(1).path("inlineData");
        assertThat(inline.path("mimeType").asText()).isEqualTo("image/png");
        assertThat(Base64.getDecoder().decode(inline.path("data").asText())).isEqualTo(PNG);
    }

    @Test
    void imagesOnPrivateAddressesAreRefused() {
        int before = fake.requests().size();
        for (String url : List.of("http://10.1.2.3/cat.png", "http://169.254.169.254/latest/meta-data/", "http://[fd00::1]/x.png")) {
            assertThatThrownBy(() -> client.chat().completions().create(imageParams(url)))
                    .isInstanceOf(BadRequestException.class)
                    .hasMessageContaining("non-public address");
        }
        assertThatThrownBy(() -> client.chat().completions().create(imageParams(imageUrl("/page.html"))))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("not an image");
        assertThat(fake.requests()).hasSize(before);
    }

    @Test
    void jsonSchema() {
        fake.answer("{\"name\":\"Ada\"}");
        ChatCompletion c = client.chat().completions().create(params().addUserMessage("Who?")
                .responseFormat(ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                        .name("person").strict(true).schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                                .putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of("name", Map.of("type", "string"))))
                                .putAdditionalProperty("required", JsonValue.from(List.of("name")))
                                .putAdditionalProperty("additionalProperties", JsonValue.from(false)).build())
                        .build()).build())
                .build());
        assertThat(c.choices().get(0).message().content()).hasValue("{\"name\":\"Ada\"}");
        JsonNode gen = fake.lastRequest().json().path("generationConfig");
        assertThat(gen.path("responseMimeType").asText()).isEqualTo("application/json");
        assertThat(new TreeMap<>(Map.of("s", gen.path("responseSchema").toString())).get("s"))
                .contains("\"required\":[\"name\"]").doesNotContain("additionalProperties");
    }

    @Test
    void stopSequences() {
        fake.answer("one two END three");
        ChatCompletion c = client.chat().completions().create(params().addUserMessage("count").stop("END").build());
        assertThat(c.choices().get(0).message().content()).hasValue("one two ");
        assertThat(fake.lastRequest().json().path("generationConfig").path("stopSequences").toString()).isEqualTo("[\"END\"]");
    }

    @Test
    void maxTokensReached() {
        fake.answer("one two three four five");
        ChatCompletion c = client.chat().completions().create(params().addUserMessage("count").maxCompletionTokens(2).build());
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
        assertThat(c.choices().get(0).message().content()).hasValue("one two ");
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(2);
        assertThat(fake.lastRequest().json().path("generationConfig").path("maxOutputTokens").asInt()).isEqualTo(2);
    }

    @Test
    void reasoningEffortAndThoughts() {
        fake.thought("Let me think.").usage(11, 4, 20);
        ChatCompletion c = client.chat().completions().create(params().addUserMessage("Hard question")
                .reasoningEffort(com.openai.models.ReasoningEffort.LOW).build());
        assertThat(c.choices().get(0).message().content()).hasValue("Hello from Gemini.");
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(23);
        assertThat(c.usage().orElseThrow().completionTokensDetails().orElseThrow().reasoningTokens()).hasValue(20L);
        assertThat(c.usage().orElseThrow().promptTokensDetails().orElseThrow().cachedTokens()).hasValue(4L);
        assertThat(fake.lastRequest().json().path("generationConfig").path("thinkingConfig").toString())
                .isEqualTo("{\"thinkingBudget\":1024,\"includeThoughts\":true}");
    }

    @Test
    void upstreamErrorsKeepStatusAndMessage() {
        fake.failNextRateLimited(7);
        HttpResponse<String> limited = gateway.post("/v1/chat/completions",
                "{\"model\":\"gemini-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("retry-after")).hasValue("7");
        assertThat(limited.body()).contains("You exceeded your current quota");

        fake.failNextRateLimited(1);
        assertThatThrownBy(() -> client.chat().completions().create(params().addUserMessage("hi").build()))
                .isInstanceOf(RateLimitException.class);

        fake.failNext(400, "INVALID_ARGUMENT", "Request contains an invalid argument.");
        assertThatThrownBy(() -> client.chat().completions().create(params().addUserMessage("hi").build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("Request contains an invalid argument.");
    }

    @Test
    void blockedPromptIsAContentPolicyError() {
        fake.blockPrompt("SAFETY");
        assertThatThrownBy(() -> client.chat().completions().create(params().addUserMessage("bad").build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("blockReason SAFETY");
    }

    @Test
    void featuresGeminiLacksAreRefusedNamingFeatureAndModel() {
        int before = fake.requests().size();
        assertThatThrownBy(() -> client.chat().completions().create(params().addUserMessage("hi").n(2).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("'n' > 1").hasMessageContaining("gemini-2.5-flash");
        assertThatThrownBy(() -> client.chat().completions().create(params().addUserMessage("hi").logprobs(true).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("'logprobs'");
        assertThat(fake.requests()).hasSize(before);
    }

    @Test
    void streamingTextWithUsage() {
        fake.answer("Streaming from Gemini works.");
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params().addUserMessage("Go")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            s.stream().forEach(chunks::add);
        }
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk.Choice.FinishReason> finishes = new ArrayList<>();
        chunks.forEach(ch -> ch.choices().forEach(choice -> {
            choice.delta().content().ifPresent(text::append);
            choice.finishReason().ifPresent(finishes::add);
        }));
        assertThat(text.toString()).isEqualTo("Streaming from Gemini works.");
        assertThat(chunks.stream().filter(ch -> ch.choices().stream().anyMatch(x -> !x.delta().content().orElse("").isEmpty()))).hasSize(4);
        assertThat(finishes).containsExactly(ChatCompletionChunk.Choice.FinishReason.STOP);
        ChatCompletionChunk last = chunks.getLast();
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(4);
        assertThat(last.usage().orElseThrow().promptTokens()).isEqualTo(11);
        RecordedRequest r = fake.lastRequest();
        assertThat(r.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
        assertThat(r.query()).isEqualTo("alt=sse");
    }

    @Test
    void streamingToolCalls() {
        fake.toolCalls(new FakeGemini.Call("get_weather", "{\"city\":\"Paris\",\"unit\":\"c\"}"),
                new FakeGemini.Call("get_weather", "{\"city\":\"Rome\",\"unit\":\"f\"}"));
        Map<Long, String[]> calls = new TreeMap<>();
        List<ChatCompletionChunk.Choice.FinishReason> finishes = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params()
                .addUserMessage("Weather?").addFunctionTool(weatherTool()).build())) {
            s.stream().forEach(ch -> ch.choices().forEach(choice -> {
                choice.finishReason().ifPresent(finishes::add);
                choice.delta().toolCalls().ifPresent(list -> list.forEach(tc -> {
                    String[] call = calls.computeIfAbsent(tc.index(), i -> new String[] {null, null, ""});
                    tc.id().ifPresent(id -> call[0] = id);
                    tc.function().flatMap(f -> f.name()).ifPresent(n -> call[1] = n);
                    tc.function().flatMap(f -> f.arguments()).ifPresent(a -> call[2] += a);
                }));
            }));
        }
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0L)[0]).startsWith("call_").isNotEqualTo(calls.get(1L)[0]);
        assertThat(calls.get(0L)[1]).isEqualTo("get_weather");
        assertThat(calls.get(0L)[2]).isEqualTo("{\"city\":\"Paris\",\"unit\":\"c\"}");
        assertThat(calls.get(1L)[2]).isEqualTo("{\"city\":\"Rome\",\"unit\":\"f\"}");
        assertThat(finishes).containsExactly(ChatCompletionChunk.Choice.FinishReason.TOOL_CALLS);
    }

    /** The Agents SDK sends parallel_tool_calls: false; Gemini has no switch, so only the first call is passed on. */
    @Test
    void parallelToolCallsFalseIsHonouredNotRefused() {
        fake.toolCalls(new FakeGemini.Call("get_weather", "{\"city\":\"Paris\",\"unit\":\"c\"}"),
                new FakeGemini.Call("get_weather", "{\"city\":\"Rome\",\"unit\":\"f\"}"));
        ChatCompletion c = client.chat().completions().create(params().addUserMessage("Weather?")
                .addFunctionTool(weatherTool()).parallelToolCalls(false).build());
        List<ChatCompletionMessageFunctionToolCall> calls = c.choices().get(0).message().toolCalls().orElseThrow()
                .stream().map(t -> t.asFunction()).toList();
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).function().arguments()).isEqualTo("{\"city\":\"Paris\",\"unit\":\"c\"}");
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(fake.lastRequest().json().has("parallel_tool_calls")).isFalse();

        Map<Long, String[]> streamed = new TreeMap<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params()
                .addUserMessage("Weather?").addFunctionTool(weatherTool()).parallelToolCalls(false).build())) {
            s.stream().forEach(ch -> ch.choices().forEach(choice -> choice.delta().toolCalls().ifPresent(list -> list.forEach(tc -> {
                String[] call = streamed.computeIfAbsent(tc.index(), i -> new String[] {""});
                tc.function().flatMap(f -> f.arguments()).ifPresent(a -> call[0] += a);
            }))));
        }
        assertThat(streamed).hasSize(1);
        assertThat(streamed.get(0L)[0]).isEqualTo("{\"city\":\"Paris\",\"unit\":\"c\"}");
    }

    /** The Anthropic-format AI SDK sends tool_choice.disable_parallel_tool_use: true; to Gemini it is honoured the same way. */
    @Test
    void anthropicDisableParallelToolUseIsHonouredNotRefused() {
        fake.toolCalls(new FakeGemini.Call("get_weather", "{\"city\":\"Paris\"}"),
                new FakeGemini.Call("get_weather", "{\"city\":\"Rome\"}"));
        String body = """
                {"model":"gemini-flash","max_tokens":100,"messages":[{"role":"user","content":"Weather?"}],
                 "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
                 "tool_choice":{"type":"auto","disable_parallel_tool_use":true}%s}""";
        HttpResponse<String> r = gateway.post("/v1/messages", body.formatted(""));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode content = json(r.body()).path("content");
        assertThat(content).hasSize(1);
        assertThat(content.get(0).path("input").path("city").asText()).isEqualTo("Paris");
        HttpResponse<String> s = gateway.post("/v1/messages", body.formatted(",\"stream\":true"));
        assertThat(s.statusCode()).isEqualTo(200);
        assertThat(s.body()).contains("Paris").doesNotContain("Rome");
        assertThat(s.body().split("\"type\":\"tool_use\"", -1)).hasSize(2);
    }

    @Test
    void streamCutBeforeFinishIsAnErrorNotACompleteAnswer() {
        fake.answer("a b c d e f").cutAfter(2);
        HttpResponse<String> r = gateway.post("/v1/chat/completions",
                "{\"model\":\"gemini-flash\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.body()).contains("\"error\"").doesNotContain("\"finish_reason\":\"stop\"");
    }

    @Test
    void embeddings() {
        CreateEmbeddingResponse e = client.embeddings().create(EmbeddingCreateParams.builder().model("gemini-embed")
                .inputOfArrayOfStrings(List.of("first", "second text")).dimensions(4).build());
        assertThat(e.data()).hasSize(2);
        assertThat(e.data().get(0).embedding()).hasSize(4);
        assertThat(e.data().get(1).index()).isEqualTo(1);
        RecordedRequest r = fake.lastRequest();
        assertThat(r.path()).isEqualTo("/v1beta/models/text-embedding-004:batchEmbedContents");
        assertThat(r.json().path("requests").get(1).toString()).isEqualTo(
                "{\"model\":\"models/text-embedding-004\",\"content\":{\"parts\":[{\"text\":\"second text\"}]},\"outputDimensionality\":4}");
    }

    @Test
    void embeddingsUsageThatGeminiDoesNotReportIsEstimatedForTheCallerAndTheLog() throws Exception {
        CreateEmbeddingResponse e = client.embeddings().create(EmbeddingCreateParams.builder().model("gemini-embed")
                .inputOfArrayOfStrings(List.of("first", "second text")).build());
        long expected = dev.gatehouse.pricing.TokenCounter.text("first") + dev.gatehouse.pricing.TokenCounter.text("second text");
        assertThat(expected).isPositive();
        assertThat(e.usage().promptTokens()).as("was 0: Gemini reports no counts for embeddings").isEqualTo(expected);
        assertThat(e.usage().totalTokens()).isEqualTo(expected);

        HttpResponse<String> raw = gateway.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway.baseUrl() + "/embeddings"))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).header("Content-Type", "application/json")
                .header("X-Request-Id", "gemini-embed-usage")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"gemini-embed\",\"input\":\"first\"}")));
        assertThat(raw.statusCode()).as(raw.body()).isEqualTo(200);
        JsonNode row = null;
        for (int i = 0; i < 100 && row == null; i++) {
            HttpResponse<String> r = gateway.get("/admin/v1/usage/requests/gemini-embed-usage");
            if (r.statusCode() == 200) {
                row = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
            } else {
                Thread.sleep(100);
            }
        }
        assertThat(row).as("logged").isNotNull();
        assertThat(row.path("inputTokens").asLong()).as(row.toString()).isEqualTo(dev.gatehouse.pricing.TokenCounter.text("first"));
        assertThat(row.path("usageEstimated").asBoolean()).as(row.toString()).isTrue();
    }
}
