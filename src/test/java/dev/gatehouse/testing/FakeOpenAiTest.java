package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
class FakeOpenAiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = FakeOpenAi.DEFAULT_KEY;
    private static final String HELLO = """
            {"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}""";
    private static final String HELLO_STREAM = """
            {"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Hi"}]}""";
    private static final String HELLO_STREAM_USAGE = """
            {"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},
             "messages":[{"role":"user","content":"Hi"}]}""";

    private static FakeOpenAi fake;
    private static HttpClient http;

    @BeforeAll
    static void startFake() {
        fake = FakeOpenAi.start();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3)).build();
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @BeforeEach
    void resetFake() {
        fake.reset().expectKey(KEY).chunkDelay(Duration.ofMillis(1));
    }

    // ------------------------------------------------------------------------------------------
    // Basics and response shapes
    // ------------------------------------------------------------------------------------------

    @Test
    void baseUrlPointsAtLoopbackV1() {
        assertThat(fake.baseUrl()).isEqualTo("http://127.0.0.1:" + fake.port() + "/v1");
        assertThat(fake.port()).isPositive();
    }

    @Test
    void nonStreamingCompletionHasTheChatCompletionShape() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", HELLO);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode b = json(r.body());
        assertThat(b.get("id").asText()).startsWith("chatcmpl-");
        assertThat(b.get("object").asText()).isEqualTo("chat.completion");
        assertThat(b.get("created").isIntegralNumber()).isTrue();
        assertThat(b.get("model").asText()).isEqualTo("gpt-4o");
        assertThat(b.get("system_fingerprint").asText()).isEqualTo(FakeOpenAi.SYSTEM_FINGERPRINT);
        JsonNode choice = b.get("choices").get(0);
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(choice.get("message").get("content").asText()).isEqualTo(FakeOpenAi.DEFAULT_ANSWER);
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(choice.has("logprobs")).isTrue();
        JsonNode usage = b.get("usage");
        assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(12);
        assertThat(usage.get("completion_tokens").asInt()).isEqualTo(7);
        assertThat(usage.get("total_tokens").asInt()).isEqualTo(19);
        assertThat(usage.at("/prompt_tokens_details/cached_tokens").asInt()).isZero();
        assertThat(usage.at("/completion_tokens_details/reasoning_tokens").asInt()).isZero();
    }

    @Test
    void answerUsageFinishReasonAndNAreConfigurable() throws Exception {
        fake.answer("Custom.").usage(100, 20, 40, 5).finishReason("length").responseModel("gpt-4o-2024-08-06");

        JsonNode b = json(post("/v1/chat/completions", """
                {"model":"gpt-4o","n":2,"messages":[{"role":"user","content":"Hi"}]}""").body());

        assertThat(b.get("model").asText()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(b.get("choices")).hasSize(2);
        assertThat(b.at("/choices/1/index").asInt()).isEqualTo(1);
        assertThat(b.at("/choices/1/message/content").asText()).isEqualTo("Custom.");
        assertThat(b.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(b.at("/usage/total_tokens").asInt()).isEqualTo(120);
        assertThat(b.at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(40);
        assertThat(b.at("/usage/completion_tokens_details/reasoning_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void toolCallsAreReturnedWithNullContent() throws Exception {
        fake.toolCalls(new FakeOpenAi.ToolCallSpec("call_1", "get_weather", "{\"city\":\"Paris\"}"));

        JsonNode b = json(post("/v1/chat/completions", HELLO).body());

        JsonNode msg = b.at("/choices/0/message");
        assertThat(msg.get("content").isNull()).isTrue();
        assertThat(msg.at("/tool_calls/0/id").asText()).isEqualTo("call_1");
        assertThat(msg.at("/tool_calls/0/type").asText()).isEqualTo("function");
        assertThat(msg.at("/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
        assertThat(msg.at("/tool_calls/0/function/arguments").asText()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(b.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    }

    @Test
    void extraResponseFieldsAppearInResponsesAndEveryChunk() throws Exception {
        fake.extraResponseFields(true).extraResponseField("x_other", Map.of("k", 1));

        JsonNode b = json(post("/v1/chat/completions", HELLO).body());
        assertThat(b.at("/x_vendor_field/region").asText()).isEqualTo("test-1");
        assertThat(b.at("/x_other/k").asInt()).isEqualTo(1);

        List<JsonNode> chunks = events(post("/v1/chat/completions", HELLO_STREAM_USAGE).body()).stream()
                .filter(e -> !e.equals("[DONE]")).map(FakeOpenAiTest::json).toList();
        assertThat(chunks).isNotEmpty().allSatisfy(c -> {
            assertThat(c.at("/x_vendor_field/flags/1").asInt()).isEqualTo(2);
            assertThat(c.get("system_fingerprint").asText()).isEqualTo(FakeOpenAi.SYSTEM_FINGERPRINT);
        });
    }

    @Test
    void modelsEndpointListsModels() throws Exception {
        fake.models("gpt-4o", "o3");

        JsonNode b = json(get("/v1/models").body());

        assertThat(b.get("object").asText()).isEqualTo("list");
        assertThat(b.get("data")).hasSize(2);
        assertThat(b.at("/data/1/id").asText()).isEqualTo("o3");
        assertThat(b.at("/data/1/object").asText()).isEqualTo("model");
        assertThat(b.at("/data/1/owned_by").asText()).isEqualTo("system");
        assertThat(json(get("/v1/models/o3").body()).get("id").asText()).isEqualTo("o3");
        HttpResponse<String> missing = get("/v1/models/nope");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(json(missing.body()).at("/error/code").asText()).isEqualTo("model_not_found");
    }

    @Test
    void unknownPathIs404InOpenAiShape() throws Exception {
        HttpResponse<String> r = post("/v1/completionz", HELLO);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r.body()).at("/error/message").asText()).isEqualTo("Invalid URL (POST /v1/completionz)");
    }

    // ------------------------------------------------------------------------------------------
    // Authentication
    // ------------------------------------------------------------------------------------------

    @Test
    void missingOrWrongBearerKeyIs401() throws Exception {
        HttpResponse<String> none = send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(HELLO)));
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(json(none.body()).at("/error/message").asText()).startsWith("You didn't provide an API key");

        HttpResponse<String> wrong = send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("content-type", "application/json").header("authorization", "Bearer sk-wrong-key-123456")
                .POST(HttpRequest.BodyPublishers.ofString(HELLO)));
        assertThat(wrong.statusCode()).isEqualTo(401);
        JsonNode err = json(wrong.body()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("invalid_api_key");
        assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(err.get("message").asText()).doesNotContain("sk-wrong-key-123456");
    }

    @Test
    void expectKeyChangesTheAcceptedKey() throws Exception {
        fake.expectKey("sk-other");
        assertThat(post("/v1/chat/completions", HELLO).statusCode()).isEqualTo(401);
        HttpResponse<String> ok = send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("content-type", "application/json").header("authorization", "Bearer sk-other")
                .POST(HttpRequest.BodyPublishers.ofString(HELLO)));
        assertThat(ok.statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------------------------------
    // Strict validation
    // ------------------------------------------------------------------------------------------

    static Stream<Arguments> invalidChatRequests() {
        return Stream.of(
                Arguments.of("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", null, null),
                Arguments.of("{\"model\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "model", "invalid_type"),
                Arguments.of("{\"model\":\"m\"}", "messages", "missing_required_parameter"),
                Arguments.of("{\"model\":\"m\",\"messages\":[]}", "messages", "empty_array"),
                Arguments.of("{\"model\":\"m\",\"messages\":\"hi\"}", "messages", "invalid_type"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"content\":\"x\"}]}", "messages[0].role", "missing_required_parameter"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"bot\",\"content\":\"x\"}]}", "messages[0].role", "invalid_value"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}]}", "messages[0].content", "missing_required_parameter"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":42}]}", "messages[0].content", "invalid_type"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]}", "messages[0].content[0].type", "invalid_value"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]}", "messages[0].content[0].text", "missing_required_parameter"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{}}]}]}", "messages[0].content[0].image_url.url", "missing_required_parameter"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}}]}]}", "messages[0].content[0].type", "invalid_value"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"content\":null}]}", "messages[1].content", null),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"content\":\"r\"}]}", "messages[2].tool_call_id", null),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"r\"}]}", "messages.[1].role", null),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},{\"role\":\"user\",\"content\":\"y\"}]}", "messages.[1].role", null),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream_options\":{\"include_usage\":true}}", "stream_options", null),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":false,\"stream_options\":{\"include_usage\":true}}", "stream_options", null),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":\"yes\"}", "stream", "invalid_type"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":2.5}", "temperature", "decimal_above_max_value"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":-0.1}", "temperature", "decimal_below_min_value"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":0}", "n", "integer_below_min_value"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}", "max_tokens", "integer_below_min_value"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":\"10\"}", "max_tokens", "invalid_type"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_completion_tokens\":-3}", "max_completion_tokens", "integer_below_min_value"),
                Arguments.of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"bad name\"}}]}", "tools[0].function.name", "invalid_value"));
    }

    @ParameterizedTest
    @MethodSource("invalidChatRequests")
    void invalidChatRequestsGet400WithParamAndCode(String body, String param, String code) throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", body);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode err = json(r.body()).get("error");
        assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(err.get("message").asText()).isNotBlank();
        assertThat(err.get("param").isNull() ? null : err.get("param").asText()).isEqualTo(param);
        assertThat(err.get("code").isNull() ? null : err.get("code").asText()).isEqualTo(code);
    }

    @Test
    void streamOptionsWithoutStreamUsesTheRealMessage() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", """
                {"model":"m","messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}}""");
        assertThat(json(r.body()).at("/error/message").asText())
                .isEqualTo("The 'stream_options' parameter is only allowed when 'stream' is enabled.");
    }

    @Test
    void bodyMustBeAJsonObjectSentAsApplicationJson() throws Exception {
        HttpResponse<String> plain = send(authed("/v1/chat/completions").header("content-type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(HELLO)));
        HttpResponse<String> broken = post("/v1/chat/completions", "{\"model\":");
        HttpResponse<String> array = post("/v1/chat/completions", "[1,2]");
        HttpResponse<String> empty = post("/v1/chat/completions", "");

        for (HttpResponse<String> r : List.of(plain, broken, array, empty)) {
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(json(r.body()).at("/error/message").asText()).startsWith("We could not parse the JSON body");
        }
        HttpResponse<String> withCharset = send(authed("/v1/chat/completions")
                .header("content-type", "application/json; charset=utf-8").POST(HttpRequest.BodyPublishers.ofString(HELLO)));
        assertThat(withCharset.statusCode()).isEqualTo(200);
    }

    @Test
    void richValidConversationIsAcceptedAndUnknownFieldsAreRecorded() throws Exception {
        String body = """
                {"model":"gpt-4o","future_param":{"a":1},"temperature":2,"n":1,"max_completion_tokens":5,
                 "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],
                 "messages":[
                  {"role":"developer","content":"be brief"},
                  {"role":"system","content":[{"type":"text","text":"sys"}]},
                  {"role":"user","content":[{"type":"text","text":"look"},
                      {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}},
                      {"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}},
                      {"type":"file","file":{"file_id":"file-1"}}]},
                  {"role":"assistant","content":null,"tool_calls":[
                      {"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{}"}},
                      {"id":"c2","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"c1","content":"sunny"},
                  {"role":"tool","tool_call_id":"c2","content":[{"type":"text","text":"rainy"}]},
                  {"role":"assistant","content":"done"},
                  {"role":"user","content":"thanks"}]}""";

        HttpResponse<String> r = post("/v1/chat/completions", body);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(fake.lastRequest().unknownFields()).containsExactly("future_param");
    }

    // ------------------------------------------------------------------------------------------
    // Streaming
    // ------------------------------------------------------------------------------------------

    @Test
    void streamSendsEachEventAsItsOwnHttpChunkAndEndsWithDone() throws Exception {
        try (Raw raw = Raw.post(fake.port(), "/v1/chat/completions", HELLO_STREAM)) {
            assertThat(raw.status).isEqualTo(200);
            assertThat(raw.headers.get("content-type")).startsWith("text/event-stream");
            List<String> chunks = raw.readAllChunks();

            // role chunk, 5 words, finish chunk, [DONE]
            assertThat(chunks).hasSize(8).allSatisfy(c -> assertThat(c).startsWith("data: ").endsWith("\n\n"));
            assertThat(chunks.getLast()).isEqualTo("data: [DONE]\n\n");
            List<JsonNode> parsed = chunks.subList(0, 7).stream().map(c -> json(c.substring(6))).toList();
            assertThat(parsed).allSatisfy(c -> {
                assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
                assertThat(c.has("usage")).as("usage absent without include_usage").isFalse();
            });
            assertThat(parsed.stream().map(c -> c.get("id").asText()).distinct()).hasSize(1);
            assertThat(parsed.getFirst().at("/choices/0/delta/role").asText()).isEqualTo("assistant");
            assertThat(parsed.getFirst().at("/choices/0/delta/content").asText()).isEmpty();
            StringBuilder text = new StringBuilder();
            parsed.forEach(c -> text.append(c.at("/choices/0/delta/content").asText("")));
            assertThat(text.toString()).isEqualTo(FakeOpenAi.DEFAULT_ANSWER);
            assertThat(parsed.get(1).at("/choices/0/delta/content").asText()).isEqualTo("Hello");
            assertThat(parsed.get(2).at("/choices/0/delta/content").asText()).isEqualTo(" from");
            assertThat(parsed.subList(0, 6)).allSatisfy(c -> assertThat(c.at("/choices/0/finish_reason").isNull()).isTrue());
            assertThat(parsed.getLast().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
            assertThat(parsed.getLast().at("/choices/0/delta").isEmpty()).isTrue();
        }
    }

    @Test
    void includeUsageAddsAFinalUsageChunkWithEmptyChoicesAndNullUsageElsewhere() throws Exception {
        fake.usage(30, 4, 10, 2);
        List<String> events = events(post("/v1/chat/completions", HELLO_STREAM_USAGE).body());

        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(FakeOpenAiTest::json).toList();
        JsonNode usageChunk = chunks.getLast();
        assertThat(usageChunk.get("choices")).isEmpty();
        assertThat(usageChunk.at("/usage/prompt_tokens").asInt()).isEqualTo(30);
        assertThat(usageChunk.at("/usage/total_tokens").asInt()).isEqualTo(34);
        assertThat(usageChunk.at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(10);
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c -> {
            assertThat(c.has("usage")).isTrue();
            assertThat(c.get("usage").isNull()).isTrue();
            assertThat(c.get("choices")).hasSize(1);
        });
    }

    @Test
    void chunkTextsAndChunkCountControlThePieces() throws Exception {
        fake.chunkTexts("A", "BC", "D");
        assertThat(contentPieces(post("/v1/chat/completions", HELLO_STREAM).body())).containsExactly("", "A", "BC", "D");

        fake.answer("abcdef").chunks(3);
        assertThat(contentPieces(post("/v1/chat/completions", HELLO_STREAM).body())).containsExactly("", "ab", "cd", "ef");
        assertThat(json(post("/v1/chat/completions", HELLO).body()).at("/choices/0/message/content").asText())
                .isEqualTo("abcdef");
    }

    @Test
    void streamedToolCallsFollowTheDeltaShape() throws Exception {
        fake.toolCalls(new FakeOpenAi.ToolCallSpec("call_a", "f", "{\"x\":1}"),
                new FakeOpenAi.ToolCallSpec("call_b", "g", "{}"));

        List<JsonNode> chunks = events(post("/v1/chat/completions", HELLO_STREAM).body()).stream()
                .filter(e -> !e.equals("[DONE]")).map(FakeOpenAiTest::json).toList();

        JsonNode first = chunks.getFirst().at("/choices/0/delta");
        assertThat(first.get("role").asText()).isEqualTo("assistant");
        assertThat(first.get("content").isNull()).isTrue();
        assertThat(first.at("/tool_calls/0/id").asText()).isEqualTo("call_a");
        assertThat(first.at("/tool_calls/0/function/name").asText()).isEqualTo("f");
        Map<Integer, StringBuilder> args = new LinkedHashMap<>();
        for (JsonNode c : chunks) {
            for (JsonNode tc : c.at("/choices/0/delta/tool_calls")) {
                args.computeIfAbsent(tc.get("index").asInt(), i -> new StringBuilder())
                        .append(tc.at("/function/arguments").asText(""));
            }
        }
        assertThat(args.get(0).toString()).isEqualTo("{\"x\":1}");
        assertThat(args.get(1).toString()).isEqualTo("{}");
        assertThat(chunks.getLast().at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    }

    @Test
    void chunkDelayPacesTheStream() throws Exception {
        fake.chunkDelay(Duration.ofMillis(150)).chunkTexts("a", "b");
        try (Raw raw = Raw.post(fake.port(), "/v1/chat/completions", HELLO_STREAM)) {
            raw.readChunk(); // role chunk arrives with the head
            long start = System.nanoTime();
            raw.readChunk();
            // The next event cannot have been sent earlier than the configured pause.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
        }
    }

    // ------------------------------------------------------------------------------------------
    // Faults
    // ------------------------------------------------------------------------------------------

    @Test
    void failNextReturnsTheErrorThenRecovers() throws Exception {
        fake.failNext(2, Fault.rateLimited(7));

        HttpResponse<String> first = post("/v1/chat/completions", HELLO);
        HttpResponse<String> second = post("/v1/chat/completions", HELLO);
        HttpResponse<String> third = post("/v1/chat/completions", HELLO);

        assertThat(first.statusCode()).isEqualTo(429);
        assertThat(first.headers().firstValue("retry-after")).hasValue("7");
        assertThat(json(first.body()).at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(third.statusCode()).isEqualTo(200);
    }

    @Test
    void failAlwaysKeepsFailingAndQueuedFaultsGoFirst() throws Exception {
        fake.failNext(1, Fault.contextLengthExceeded()).failAlways(Fault.overloaded());

        HttpResponse<String> first = post("/v1/chat/completions", HELLO);
        assertThat(first.statusCode()).isEqualTo(400);
        JsonNode err = json(first.body()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(err.get("param").asText()).isEqualTo("messages");
        for (int i = 0; i < 3; i++) assertThat(post("/v1/chat/completions", HELLO).statusCode()).isEqualTo(503);
        fake.clearFaults();
        assertThat(post("/v1/chat/completions", HELLO).statusCode()).isEqualTo(200);
    }

    @Test
    void faultsAreNotConsumedByRejectedRequests() throws Exception {
        fake.failNext(1, Fault.serverError());
        assertThat(post("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[]}").statusCode()).isEqualTo(400);
        HttpResponse<String> r = post("/v1/chat/completions", HELLO);
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(json(r.body()).at("/error/type").asText()).isEqualTo("server_error");
    }

    @Test
    void rawFaultSendsAnArbitraryBody() throws Exception {
        fake.failNext(1, Fault.raw(502, "<html>bad gateway</html>").withHeader("content-type", "text/html"));
        HttpResponse<String> r = post("/v1/chat/completions", HELLO);
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/html");
        assertThat(r.body()).isEqualTo("<html>bad gateway</html>");
    }

    @Test
    void resetBeforeHeadClosesTheConnectionWithoutAResponse() throws Exception {
        fake.failNext(1, Fault.resetBeforeHead());
        assertThatThrownBy(() -> post("/v1/chat/completions", HELLO)).isInstanceOf(IOException.class);
        assertThat(fake.requestCount()).isEqualTo(1);
        assertThat(fake.clientDisconnects()).as("server-side close is not a client disconnect").isZero();
    }

    @Test
    void cutAfterClosesTheConnectionMidStreamWithoutDone() throws Exception {
        fake.failNext(1, Fault.cutAfter(2));
        try (Raw raw = Raw.post(fake.port(), "/v1/chat/completions", HELLO_STREAM)) {
            assertThat(raw.status).isEqualTo(200);
            assertThat(raw.readChunk()).contains("\"role\":\"assistant\"");
            assertThat(raw.readChunk()).contains("Hello");
            assertThatThrownBy(raw::readChunk).isInstanceOf(EOFException.class);
        }
        assertThat(fake.clientDisconnects()).isZero();
    }

    @Test
    void cutAfterOnANonStreamedRequestTruncatesTheBody() throws Exception {
        fake.failNext(1, Fault.cutAfter(0));
        assertThatThrownBy(() -> post("/v1/chat/completions", HELLO)).isInstanceOf(IOException.class);
    }

    @Test
    void stallAfterKeepsTheConnectionOpenAndSilent() throws Exception {
        fake.failNext(1, Fault.stallAfter(1));
        try (Raw raw = Raw.post(fake.port(), "/v1/chat/completions", HELLO_STREAM)) {
            assertThat(raw.readChunk()).contains("\"role\":\"assistant\"");
            raw.socket.setSoTimeout(400);
            assertThatThrownBy(raw::readChunk).isInstanceOf(SocketTimeoutException.class);
        }
        // The test (the client) hung up on the stalled stream: the fake must notice.
        assertThat(fake.awaitClientDisconnects(1, Duration.ofSeconds(3))).isTrue();
    }

    @Test
    void malformedChunkIsSentThenTheStreamContinues() throws Exception {
        fake.failNext(1, Fault.malformedChunkAfter(1));
        List<String> events = events(post("/v1/chat/completions", HELLO_STREAM).body());

        assertThat(events).hasSize(9).endsWith("[DONE]");
        assertThat(events.get(0)).contains("\"role\":\"assistant\"");
        assertThatThrownBy(() -> JSON.readTree(events.get(1))).isInstanceOf(IOException.class);
        assertThat(json(events.get(2)).at("/choices/0/delta/content").asText()).isEqualTo("Hello");
    }

    @Test
    void omitDoneEndsTheResponseCleanlyWithoutTheTerminator() throws Exception {
        fake.failNext(1, Fault.omitDone());
        try (Raw raw = Raw.post(fake.port(), "/v1/chat/completions", HELLO_STREAM_USAGE)) {
            List<String> chunks = raw.readAllChunks(); // ends with the zero-length HTTP chunk, no EOF error
            assertThat(chunks).hasSize(8).noneMatch(c -> c.contains("[DONE]"));
            assertThat(json(chunks.getLast().substring(6)).get("usage").isObject()).isTrue();
        }
    }

    @Test
    void headDelayHoldsTheResponseHead() throws Exception {
        fake.headDelay(Duration.ofMillis(300));
        long start = System.nanoTime();
        assertThat(post("/v1/chat/completions", HELLO).statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    }

    @Test
    void clientDisconnectMidStreamIsCountedAndStopsTheStream() throws Exception {
        fake.chunkDelay(Duration.ofMillis(100));
        try (Raw raw = Raw.post(fake.port(), "/v1/chat/completions", HELLO_STREAM)) {
            raw.readChunk();
        }
        assertThat(fake.awaitClientDisconnects(1, Duration.ofSeconds(3))).isTrue();
        Thread.sleep(300); // further timer ticks must not count again or blow up
        assertThat(fake.clientDisconnects()).isEqualTo(1);
    }

    @Test
    void clientDisconnectDuringHeadDelayIsCounted() throws Exception {
        fake.headDelay(Duration.ofSeconds(2));
        try (Raw raw = Raw.send(fake.port(), "POST", "/v1/chat/completions", HELLO, false)) {
            assertThat(fake.awaitRequests(1, Duration.ofSeconds(3))).isTrue();
        }
        assertThat(fake.awaitClientDisconnects(1, Duration.ofSeconds(3))).isTrue();
    }

    @Test
    void completedResponsesAreNotCountedAsDisconnects() throws Exception {
        post("/v1/chat/completions", HELLO);
        try (Raw raw = Raw.post(fake.port(), "/v1/chat/completions", HELLO_STREAM)) {
            raw.readAllChunks();
        }
        Thread.sleep(200);
        assertThat(fake.clientDisconnects()).isZero();
    }

    // ------------------------------------------------------------------------------------------
    // Azure
    // ------------------------------------------------------------------------------------------

    @Test
    void azureChatUsesDeploymentPathApiVersionAndApiKeyHeader() throws Exception {
        HttpResponse<String> r = send(azure("/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21")
                .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r.body()).get("model").asText()).isEqualTo("my-gpt");
        assertThat(fake.lastRequest().queryParam("api-version")).isEqualTo("2024-10-21");
        assertThat(fake.lastRequest().header("api-key")).isEqualTo(KEY);
    }

    @Test
    void azureRejectsBearerAuthMissingApiVersionAndUnknownDeployments() throws Exception {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<String> bearer = send(HttpRequest.newBuilder(uri("/openai/deployments/d/chat/completions?api-version=1"))
                .header("content-type", "application/json").header("authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(bearer.statusCode()).isEqualTo(401);
        assertThat(json(bearer.body()).at("/error/code").asText()).isEqualTo("401");

        HttpResponse<String> noVersion = send(azure("/openai/deployments/d/chat/completions")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(noVersion.statusCode()).isEqualTo(404);

        fake.azureDeployments("known");
        HttpResponse<String> unknown = send(azure("/openai/deployments/other/chat/completions?api-version=1")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown.body()).at("/error/code").asText()).isEqualTo("DeploymentNotFound");
    }

    @Test
    void azureStillValidatesTheBody() throws Exception {
        HttpResponse<String> r = send(azure("/openai/deployments/d/chat/completions?api-version=1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[]}")));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r.body()).at("/error/param").asText()).isEqualTo("messages");
    }

    @Test
    void azureEmbeddings() throws Exception {
        HttpResponse<String> r = send(azure("/openai/deployments/emb/embeddings?api-version=2024-10-21")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"hello\"}")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r.body()).get("model").asText()).isEqualTo("emb");
    }

    // ------------------------------------------------------------------------------------------
    // Embeddings
    // ------------------------------------------------------------------------------------------

    @Test
    void embeddingsReturnDeterministicUnitVectorsWithUsage() throws Exception {
        JsonNode b = json(post("/v1/embeddings", """
                {"model":"text-embedding-3-small","input":["a b c","d","a b c"]}""").body());

        assertThat(b.get("object").asText()).isEqualTo("list");
        assertThat(b.get("model").asText()).isEqualTo("text-embedding-3-small");
        assertThat(b.get("data")).hasSize(3);
        assertThat(b.at("/data/2/object").asText()).isEqualTo("embedding");
        assertThat(b.at("/data/2/index").asInt()).isEqualTo(2);
        assertThat(b.at("/data/0/embedding")).hasSize(8);
        assertThat(b.at("/data/0/embedding")).isEqualTo(b.at("/data/2/embedding"));
        assertThat(b.at("/data/0/embedding")).isNotEqualTo(b.at("/data/1/embedding"));
        double norm = 0;
        for (JsonNode v : b.at("/data/0/embedding")) norm += v.asDouble() * v.asDouble();
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(b.at("/usage/prompt_tokens").asInt()).isEqualTo(7); // 3 + 1 + 3 words
        assertThat(b.at("/usage/total_tokens").asInt()).isEqualTo(7);
    }

    @Test
    void embeddingsHonourDimensionsBase64AndTokenInputs() throws Exception {
        JsonNode floats = json(post("/v1/embeddings", """
                {"model":"text-embedding-3-small","input":[[1,2,3],[4]],"dimensions":4}""").body());
        assertThat(floats.at("/data/0/embedding")).hasSize(4);
        assertThat(floats.at("/usage/prompt_tokens").asInt()).isEqualTo(4);

        JsonNode b64 = json(post("/v1/embeddings", """
                {"model":"text-embedding-3-small","input":[[1,2,3],[4]],"dimensions":4,"encoding_format":"base64"}""").body());
        byte[] raw = Base64.getDecoder().decode(b64.at("/data/0/embedding").asText());
        assertThat(raw).hasSize(16);
        ByteBuffer buf = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 4; i++) {
            assertThat(buf.getFloat()).isEqualTo(floats.at("/data/0/embedding/" + i).floatValue());
        }

        fake.embeddingDimensions(3);
        JsonNode tokens = json(post("/v1/embeddings", "{\"model\":\"m\",\"input\":[5,6,7]}").body());
        assertThat(tokens.get("data")).hasSize(1);
        assertThat(tokens.at("/data/0/embedding")).hasSize(3);
    }

    static Stream<Arguments> invalidEmbeddingRequests() {
        return Stream.of(
                Arguments.of("{\"input\":\"x\"}", null, null),
                Arguments.of("{\"model\":\"m\"}", "input", "missing_required_parameter"),
                Arguments.of("{\"model\":\"m\",\"input\":\"\"}", null, null),
                Arguments.of("{\"model\":\"m\",\"input\":[]}", null, null),
                Arguments.of("{\"model\":\"m\",\"input\":[\"a\",1]}", null, null),
                Arguments.of("{\"model\":\"m\",\"input\":[[1],[]]}", null, null),
                Arguments.of("{\"model\":\"m\",\"input\":{\"a\":1}}", null, null),
                Arguments.of("{\"model\":\"m\",\"input\":\"x\",\"encoding_format\":\"int8\"}", "encoding_format", "invalid_value"),
                Arguments.of("{\"model\":\"m\",\"input\":\"x\",\"dimensions\":0}", "dimensions", "integer_below_min_value"),
                Arguments.of("{\"model\":\"m\",\"input\":\"x\",\"dimensions\":\"8\"}", "dimensions", "invalid_type"),
                Arguments.of("{\"model\":\"text-embedding-ada-002\",\"input\":\"x\",\"dimensions\":8}", null, null));
    }

    @ParameterizedTest
    @MethodSource("invalidEmbeddingRequests")
    void invalidEmbeddingRequestsGet400(String body, String param, String code) throws Exception {
        HttpResponse<String> r = post("/v1/embeddings", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode err = json(r.body()).get("error");
        assertThat(err.get("param").isNull() ? null : err.get("param").asText()).isEqualTo(param);
        assertThat(err.get("code").isNull() ? null : err.get("code").asText()).isEqualTo(code);
    }

    // ------------------------------------------------------------------------------------------
    // Recording
    // ------------------------------------------------------------------------------------------

    @Test
    void everyRequestIsRecordedInOrderWithRawBytes() throws Exception {
        String body = "{ \"model\" : \"gpt-4o\", \"messages\":[{\"role\":\"user\",\"content\":\"é\"}] }";
        send(authed("/v1/chat/completions?trace=1").header("content-type", "application/json")
                .header("X-Custom", "v1").POST(HttpRequest.BodyPublishers.ofString(body)));
        post("/v1/chat/completions", "{bad json");
        get("/v1/models");

        assertThat(fake.requestCount()).isEqualTo(3);
        RecordedRequest first = fake.requests().getFirst();
        assertThat(first.method()).isEqualTo("POST");
        assertThat(first.path()).isEqualTo("/v1/chat/completions");
        assertThat(first.query()).isEqualTo("trace=1");
        assertThat(first.queryParam("trace")).isEqualTo("1");
        assertThat(first.header("x-custom")).isEqualTo("v1");
        assertThat(first.header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(first.body()).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
        assertThat(first.json().at("/messages/0/content").asText()).isEqualTo("é");
        assertThat(first.streamed()).isFalse();
        assertThat(fake.requests().get(1).json()).isNull();
        assertThat(fake.requests().get(1).bodyString()).isEqualTo("{bad json");
        assertThat(fake.lastRequest().method()).isEqualTo("GET");

        fake.reset();
        assertThat(fake.requestCount()).isZero();
        assertThat(fake.requests()).isEmpty();
        assertThatThrownBy(fake::lastRequest).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void independentInstancesUseDifferentPorts() {
        try (FakeOpenAi other = FakeOpenAi.start()) {
            assertThat(other.port()).isNotEqualTo(fake.port());
        }
    }

    // ------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------

    private static URI uri(String path) {
        return URI.create(fake.origin() + path);
    }

    private static HttpRequest.Builder authed(String path) {
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).header("authorization", "Bearer " + KEY);
    }

    private static HttpRequest.Builder azure(String path) {
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5))
                .header("api-key", KEY).header("content-type", "application/json");
    }

    private static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return send(authed(path).header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(authed(path).GET());
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    /** The payloads of the {@code data:} lines of an SSE body. */
    private static List<String> events(String sse) {
        assertThat(sse).endsWith("\n\n");
        List<String> out = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            assertThat(block).startsWith("data: ");
            out.add(block.substring(6));
        }
        return out;
    }

    private static List<String> contentPieces(String sse) {
        return events(sse).stream().filter(e -> !e.equals("[DONE]")).map(FakeOpenAiTest::json)
                .filter(c -> c.at("/choices/0/delta").has("content"))
                .map(c -> c.at("/choices/0/delta/content").asText()).toList();
    }

    /** A minimal HTTP/1.1 client over a socket, so tests can see HTTP chunk boundaries, EOFs and stalls. */
    private static final class Raw implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        int status;
        final Map<String, String> headers = new LinkedHashMap<>();

        private Raw(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
        }

        static Raw post(int port, String path, String body) throws IOException {
            return send(port, "POST", path, body, true);
        }

        static Raw send(int port, String method, String path, String body, boolean readHead) throws IOException {
            Socket s = new Socket("127.0.0.1", port);
            s.setSoTimeout(5000);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            Raw raw = new Raw(s);
            if (readHead) raw.readHead();
            return raw;
        }

        void readHead() throws IOException {
            String statusLine = line();
            status = Integer.parseInt(statusLine.split(" ")[1]);
            for (String l = line(); !l.isEmpty(); l = line()) {
                int c = l.indexOf(':');
                headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
            }
            assertThat(headers.get("transfer-encoding")).isEqualTo("chunked");
        }

        /** One HTTP chunk's data, or null for the terminating zero-length chunk. */
        String readChunk() throws IOException {
            int size = Integer.parseInt(line().split(";")[0].trim(), 16);
            if (size == 0) {
                line();
                return null;
            }
            byte[] data = in.readNBytes(size);
            if (data.length < size) throw new EOFException("chunk truncated");
            if (!line().isEmpty()) throw new IOException("missing CRLF after chunk");
            return new String(data, StandardCharsets.UTF_8);
        }

        List<String> readAllChunks() throws IOException {
            List<String> out = new ArrayList<>();
            for (String c = readChunk(); c != null; c = readChunk()) out.add(c);
            return out;
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int prev = -1;
            while (true) {
                int c = in.read();
                if (c < 0) throw new EOFException("connection closed");
                if (prev == '\r' && c == '\n') {
                    byte[] bytes = b.toByteArray();
                    return new String(bytes, 0, bytes.length - 1, StandardCharsets.US_ASCII);
                }
                b.write(c);
                prev = c;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
