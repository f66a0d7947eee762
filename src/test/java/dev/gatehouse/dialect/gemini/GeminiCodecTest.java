package dev.gatehouse.dialect.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.canonical.ResponseFormat;
import dev.gatehouse.canonical.Role;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GeminiWireCodec and GeminiStreamDecoder against payloads in the shapes of Google's API reference. */
class GeminiCodecTest {
    final GeminiWireCodec codec = new GeminiWireCodec();

    static JsonNode json(String s) {
        try {
            return GeminiWireCodec.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ChatRequest request(String model, List<Message> messages) {
        return new ChatRequest(model, messages, null, null, null, null, null, null, null, null, null, null, false, false, null, null);
    }

    static JsonNode encode(ChatRequest r) {
        return json(new GeminiWireCodec().encodeChat(r).toString());
    }

    // ---------------------------------------------------------------- parallel_tool_calls: false

    static final String TWO_CALLS = """
            {"candidates":[{"content":{"role":"model","parts":[
              {"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},
              {"functionCall":{"name":"get_weather","args":{"city":"Rome"}}}]},"finishReason":"STOP"}],
             "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":7},"responseId":"r1"}""";

    static ChatRequest noParallel(Boolean parallel) {
        return new ChatRequest("gemini-2.5-flash", List.of(new Message(Role.USER, List.of(new ContentPart.Text("hi")), List.of(),
                null, null, Map.of())), null, null, null, null, null, null, null, parallel, null, null, false, false, null, null);
    }

    @Test
    void parallelToolCallsFalseIsEncodedAndOnlyTheFirstCallIsPassedOn() {
        // Gemini has no switch: the request goes out (no 400), the answer's second call is dropped.
        assertThat(encode(noParallel(false)).has("contents")).isTrue();
        ChatResponse r = codec.decodeChat(Buffer.buffer(TWO_CALLS), noParallel(false));
        assertThat(r.toolCalls()).extracting(ToolCall::arguments).containsExactly("{\"city\":\"Paris\"}");
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(codec.decodeChat(Buffer.buffer(TWO_CALLS), noParallel(null)).toolCalls()).hasSize(2);

        String stream = "data: " + TWO_CALLS.replace("\n", "") + "\n\n";
        List<StreamEvent> events = new ArrayList<>();
        StreamDecoder one = codec.streamDecoder(noParallel(false));
        one.feed(Buffer.buffer(stream), events::add);
        one.end(events::add);
        assertThat(events.stream().filter(e -> e instanceof StreamEvent.ToolCallDelta)).hasSize(1);
        assertThat(events).contains(new StreamEvent.Finish(FinishReason.TOOL_CALLS));
        List<StreamEvent> all = new ArrayList<>();
        StreamDecoder both = codec.streamDecoder(noParallel(true));
        both.feed(Buffer.buffer(stream), all::add);
        assertThat(all.stream().filter(e -> e instanceof StreamEvent.ToolCallDelta)).hasSize(2);
    }

    // ---------------------------------------------------------------- responses

    @Test
    void decodesTheReferenceResponse() {
        ChatResponse r = codec.decodeChat(Buffer.buffer("""
                {"candidates":[{"content":{"role":"model","parts":[{"text":"1+1 equals 2.","thoughtSignature":"EjQKMgEM"}]},
                  "finishReason":"STOP","index":0}],
                 "usageMetadata":{"promptTokenCount":15,"candidatesTokenCount":6,"totalTokenCount":21},
                 "modelVersion":"gemini-3.1-flash-lite","responseId":"Il0taoSYJ5Cez7"}"""));
        assertThat(r.text()).isEqualTo("1+1 equals 2.");
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.usage()).isEqualTo(Usage.of(15, 6));
        assertThat(r.model()).isEqualTo("gemini-3.1-flash-lite");
        assertThat(r.id()).isEqualTo("Il0taoSYJ5Cez7");
    }

    @Test
    void thoughtsUsageAndCachedTokens() {
        ChatResponse r = codec.decodeChat(Buffer.buffer("""
                {"candidates":[{"content":{"role":"model","parts":[{"text":"Thinking about sums","thought":true},{"text":"2"}]},
                  "finishReason":"STOP"}],
                 "usageMetadata":{"promptTokenCount":100,"candidatesTokenCount":1,"cachedContentTokenCount":64,
                                  "thoughtsTokenCount":30,"toolUsePromptTokenCount":5,"totalTokenCount":136}}"""));
        assertThat(r.content()).containsExactly(new ContentPart.Reasoning("Thinking about sums", null, false), new ContentPart.Text("2"));
        assertThat(r.usage()).isEqualTo(new Usage(105, 31, 64, 0, 30));
        assertThat(r.usage().totalTokens()).isEqualTo(136);
    }

    @Test
    void finishReasons() {
        assertThat(GeminiResponseDecoder.finishReason("MAX_TOKENS", false)).isEqualTo(FinishReason.LENGTH);
        for (String r : List.of("SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII")) {
            assertThat(GeminiResponseDecoder.finishReason(r, false)).isEqualTo(FinishReason.CONTENT_FILTER);
        }
        assertThat(GeminiResponseDecoder.finishReason("STOP", true)).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(GeminiResponseDecoder.finishReason("STOP", false)).isEqualTo(FinishReason.STOP);
    }

    @Test
    void functionCallThoughtSignatureSurvivesTheRoundTrip() {
        String signature = "CiQB0e2Kb+/x9z==";
        ChatResponse r = codec.decodeChat(Buffer.buffer("""
                {"candidates":[{"content":{"role":"model","parts":[
                  {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"%s"},
                  {"functionCall":{"name":"get_time","args":{}}}]},"finishReason":"STOP"}],"responseId":"abc-123"}"""
                .formatted(signature)));
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        ToolCall first = r.toolCalls().get(0);
        ToolCall second = r.toolCalls().get(1);
        assertThat(first.id()).startsWith("call_abc123_0_ts_").matches("[A-Za-z0-9_-]+");
        assertThat(second.id()).isEqualTo("call_abc123_1");
        assertThat(first.arguments()).isEqualTo("{\"city\":\"Paris\"}");

        JsonNode body = encode(request("gemini-2.5-flash", List.of(
                Message.text(Role.USER, "weather and time?"),
                new Message(Role.ASSISTANT, List.of(), r.toolCalls(), null, null, Map.of()),
                new Message(Role.TOOL, List.of(new ContentPart.Text("sunny")), List.of(), first.id(), null, Map.of()),
                new Message(Role.TOOL, List.of(new ContentPart.Text("{\"time\":\"noon\"}")), List.of(), second.id(), null, Map.of()))));
        JsonNode calls = body.path("contents").path(1).path("parts");
        assertThat(calls.get(0).path("thoughtSignature").asText()).isEqualTo(signature);
        assertThat(calls.get(1).has("thoughtSignature")).isFalse();
        assertThat(body.path("contents").path(2)).isEqualTo(json("""
                {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"output":"sunny"}}},
                                        {"functionResponse":{"name":"get_time","response":{"time":"noon"}}}]}"""));
    }

    @Test
    void blockedPromptIsContentPolicy() {
        assertThatThrownBy(() -> codec.decodeChat(Buffer.buffer(
                "{\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"},\"usageMetadata\":{\"promptTokenCount\":3}}")))
                .isInstanceOfSatisfying(UpstreamException.class,
                        e -> assertThat(e.error().errorClass()).isEqualTo(ErrorClass.CONTENT_POLICY));
    }

    // ---------------------------------------------------------------- stream

    static List<StreamEvent> decodeStream(String body, int splitEvery, boolean[] complete) {
        StreamDecoder d = new GeminiWireCodec().streamDecoder();
        List<StreamEvent> events = new ArrayList<>();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += splitEvery) {
            d.feed(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + splitEvery))), events::add);
        }
        complete[0] = d.end(events::add);
        return events;
    }

    @Test
    void streamSplitAnywhereGivesTheSameEvents() {
        String body = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hé\"}],\"role\":\"model\"},\"index\":0}],"
                + "\"usageMetadata\":{\"promptTokenCount\":9,\"totalTokenCount\":9},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r1\"}\r\n\r\n"
                + "data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":{\"a\":1}}},"
                + "{\"functionCall\":{\"name\":\"g\",\"args\":{}}}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],"
                + "\"usageMetadata\":{\"promptTokenCount\":9,\"candidatesTokenCount\":12,\"totalTokenCount\":21},\"responseId\":\"r1\"}\r\n\r\n";
        for (int split : List.of(1, 3, 7, body.length())) {
            boolean[] complete = new boolean[1];
            List<StreamEvent> events = decodeStream(body, split, complete);
            assertThat(complete[0]).isTrue();
            assertThat(events).hasSize(6);
            assertThat(events.get(0)).isInstanceOfSatisfying(StreamEvent.Start.class, s -> assertThat(s.id()).isEqualTo("r1"));
            assertThat(events.get(1)).isEqualTo(new StreamEvent.TextDelta("Hé"));
            assertThat(events.get(2)).isEqualTo(new StreamEvent.ToolCallDelta(0, "call_r1_0", "f", "{\"a\":1}"));
            assertThat(events.get(3)).isEqualTo(new StreamEvent.ToolCallDelta(1, "call_r1_1", "g", "{}"));
            assertThat(events.get(4)).isEqualTo(new StreamEvent.Finish(FinishReason.TOOL_CALLS));
            assertThat(events.get(5)).isEqualTo(new StreamEvent.UsageReport(Usage.of(9, 12)));
        }
    }

    @Test
    void streamWithoutFinishReasonIsIncomplete() {
        boolean[] complete = new boolean[1];
        decodeStream("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}]}\n\n", 5, complete);
        assertThat(complete[0]).isFalse();
    }

    @Test
    void inBandStreamErrorIsClassified() {
        assertThatThrownBy(() -> decodeStream("data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\","
                + "\"status\":\"UNAVAILABLE\"}}\n\n", 100, new boolean[1]))
                .isInstanceOfSatisfying(UpstreamException.class,
                        e -> assertThat(e.error().errorClass()).isEqualTo(ErrorClass.OVERLOADED));
    }

    // ---------------------------------------------------------------- errors

    static UpstreamError classify(int status, String body) {
        return new GeminiWireCodec().classify(status, HttpHeaders.headers(), Buffer.buffer(body));
    }

    static String googleError(int code, String status, String message) {
        return "{\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\",\"status\":\"" + status + "\"}}";
    }

    @Test
    void classifiesGoogleErrors() {
        UpstreamError limited = classify(429, """
                {"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED",
                 "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}""");
        assertThat(limited.errorClass()).isEqualTo(ErrorClass.RATE_LIMIT);
        assertThat(limited.retryAfter()).isEqualTo(Duration.ofSeconds(37));
        assertThat(limited.message()).isEqualTo("Resource has been exhausted (e.g. check quota).");
        assertThat(classify(503, googleError(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")).errorClass())
                .isEqualTo(ErrorClass.OVERLOADED);
        assertThat(classify(500, googleError(500, "INTERNAL", "An internal error has occurred.")).errorClass())
                .isEqualTo(ErrorClass.UPSTREAM_ERROR);
        assertThat(classify(504, googleError(504, "DEADLINE_EXCEEDED", "Deadline expired.")).errorClass())
                .isEqualTo(ErrorClass.TIMEOUT);
        assertThat(classify(400, googleError(400, "INVALID_ARGUMENT",
                "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).")).errorClass())
                .isEqualTo(ErrorClass.CONTEXT_LENGTH);
        UpstreamError bad = classify(400, googleError(400, "INVALID_ARGUMENT", "Request contains an invalid argument."));
        assertThat(bad.errorClass()).isEqualTo(ErrorClass.BAD_REQUEST);
        assertThat(bad.code()).isEqualTo("invalid_argument");
        assertThat(classify(400, """
                {"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT",
                 "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}""")
                .errorClass()).isEqualTo(ErrorClass.AUTHENTICATION);
        assertThat(classify(403, googleError(403, "PERMISSION_DENIED", "Permission denied.")).errorClass()).isEqualTo(ErrorClass.PERMISSION);
        assertThat(classify(401, googleError(401, "UNAUTHENTICATED", "Unauthenticated.")).errorClass()).isEqualTo(ErrorClass.AUTHENTICATION);
        assertThat(classify(404, googleError(404, "NOT_FOUND", "models/gemini-9 is not found for API version v1beta")).errorClass())
                .isEqualTo(ErrorClass.NOT_FOUND);
        UpstreamError html = classify(502, "<html><body>Bad Gateway</body></html>");
        assertThat(html.errorClass()).isEqualTo(ErrorClass.UPSTREAM_ERROR);
        assertThat(html.message()).contains("Bad Gateway");
        MultiMap headers = HttpHeaders.headers().add("retry-after", "3");
        assertThat(codec.classify(429, headers, Buffer.buffer(googleError(429, "RESOURCE_EXHAUSTED", "slow down"))).retryAfter())
                .isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void rateLimitWithAnHttpDateRetryAfterIsHonoured() {
        // Retry-After may be an HTTP date; it wins over RetryInfo's retryDelay like the seconds form does.
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(90));
        MultiMap headers = HttpHeaders.headers().add("Retry-After", date);
        UpstreamError limited = codec.classify(429, headers, Buffer.buffer("""
                {"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED",
                 "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}"""));
        assertThat(limited.errorClass()).isEqualTo(ErrorClass.RATE_LIMIT);
        assertThat(limited.retryAfter()).isBetween(Duration.ofSeconds(80), Duration.ofSeconds(90));
        // An unusable header falls back to RetryInfo.
        assertThat(codec.classify(429, HttpHeaders.headers().add("Retry-After", "soon"), Buffer.buffer("""
                {"error":{"code":429,"message":"x","status":"RESOURCE_EXHAUSTED",
                 "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}""")).retryAfter())
                .isEqualTo(Duration.ofSeconds(37));
    }

    // ---------------------------------------------------------------- requests

    @Test
    void systemOnlyConversationIsRefused() {
        assertThatThrownBy(() -> encode(request("gemini-2.5-flash", List.of(Message.text(Role.SYSTEM, "rules")))))
                .isInstanceOf(GatewayException.class).hasMessageContaining("at least one user or assistant message");
    }

    @Test
    void toolResultForAnUnknownCallIsRefused() {
        assertThatThrownBy(() -> encode(request("gemini-2.5-flash", List.of(Message.text(Role.USER, "hi"),
                new Message(Role.TOOL, List.of(new ContentPart.Text("x")), List.of(), "call_nope", null, Map.of())))))
                .isInstanceOf(GatewayException.class).hasMessageContaining("call_nope");
    }

    @Test
    void reasoningEffortMapping() {
        assertThat(GeminiRequestEncoder.thinking("high", "gemini-2.5-pro")).isEqualTo(json("{\"thinkingBudget\":24576,\"includeThoughts\":true}"));
        assertThat(GeminiRequestEncoder.thinking("none", "gemini-2.5-flash")).isEqualTo(json("{\"thinkingBudget\":0}"));
        assertThat(GeminiRequestEncoder.thinking("medium", "gemini-3-pro-preview")).isEqualTo(json("{\"thinkingLevel\":\"high\",\"includeThoughts\":true}"));
        assertThatThrownBy(() -> GeminiRequestEncoder.thinking("none", "gemini-3-pro-preview")).isInstanceOf(GatewayException.class);
    }

    @Test
    void jsonObjectModeAndSchemaConversion() {
        ChatRequest base = request("gemini-2.5-flash", List.of(Message.text(Role.USER, "hi")));
        ChatRequest jsonMode = new ChatRequest(base.model(), base.messages(), null, null, null, null, null, null, null, null,
                new ResponseFormat.JsonObject(), null, false, false, null, null);
        assertThat(encode(jsonMode).path("generationConfig")).isEqualTo(json("{\"responseMimeType\":\"application/json\"}"));

        JsonNode converted = GeminiSchema.convert(json("""
                {"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","additionalProperties":false,
                 "properties":{"kind":{"const":"cat"},"owner":{"$ref":"#/$defs/person"},
                               "tags":{"type":"array","items":{"type":"string"},"uniqueItems":true},
                               "age":{"anyOf":[{"type":"integer"},{"type":"null"}]}},
                 "required":["kind"],"$defs":{"person":{"type":"object","properties":{"name":{"type":"string"}}}}}"""),
                "schema", "gemini-2.5-flash");
        assertThat(converted).isEqualTo(json("""
                {"type":"object","properties":{"kind":{"enum":["cat"],"type":"string"},
                  "owner":{"type":"object","properties":{"name":{"type":"string"}}},
                  "tags":{"type":"array","items":{"type":"string"}},
                  "age":{"nullable":true,"type":"integer"}},
                 "required":["kind"]}"""));
        assertThatThrownBy(() -> GeminiSchema.convert(json("{\"$defs\":{\"n\":{\"type\":\"object\",\"properties\":{\"next\":{\"$ref\":\"#/$defs/n\"}}}},"
                + "\"$ref\":\"#/$defs/n\"}"), "schema", "gemini-2.5-flash"))
                .isInstanceOf(GatewayException.class).hasMessageContaining("recursive").hasMessageContaining("gemini-2.5-flash");
        assertThatThrownBy(() -> GeminiSchema.convert(json("{\"allOf\":[{\"type\":\"object\"}]}"), "schema", "m"))
                .isInstanceOf(GatewayException.class).hasMessageContaining("allOf");
    }

    @Test
    void embeddingsShapes() {
        assertThat(codec.decodeEmbeddings(Buffer.buffer("{\"embeddings\":[{\"values\":[0.5,-1]},{\"values\":[2]}]}")).vectors())
                .satisfiesExactly(v -> assertThat(v).containsExactly(0.5f, -1f), v -> assertThat(v).containsExactly(2f));
    }
}
