package dev.gatehouse.dialect.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.api.openai.OpenAiStreamUsageScanner;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.openai.OpenAiChatDecoder;
import dev.gatehouse.dialect.openai.OpenAiChunkEncoder;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsEncoder;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.dialect.openai.OpenAiResponseEncoder;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OpenAiCodecTest {
    private final OpenAiWireCodec codec = new OpenAiWireCodec();

    static final String FULL_REQUEST = """
            {"model":"gpt-4o","messages":[
              {"role":"developer","content":"Be brief."},
              {"role":"user","content":[{"type":"text","text":"What is in this image?"},
                 {"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"high"}},
                 {"type":"input_audio","input_audio":{"data":"AAA=","format":"wav"}}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                 "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}],"refusal":null},
              {"role":"tool","tool_call_id":"call_1","content":"18C"}],
             "temperature":0.2,"top_p":0.9,"max_completion_tokens":300,"stop":["END"],"seed":42,
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":
                {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}}],
             "tool_choice":{"type":"function","function":{"name":"get_weather"}},"parallel_tool_calls":false,
             "response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"},"strict":true}},
             "reasoning_effort":"low","stream":true,"stream_options":{"include_usage":true},"user":"u1",
             "logit_bias":{"50256":-100},"n":1,"metadata":{"team":"a"},"functions":[{"name":"legacy"}]}""";

    @Test
    void decodeEncodeDecodeIsStableAndKeepsUnknownFields() throws Exception {
        ChatRequest first = OpenAiChatDecoder.decode(Buffer.buffer(FULL_REQUEST));
        Buffer encoded = codec.encodeChat(first);
        ChatRequest second = OpenAiChatDecoder.decode(encoded);
        assertThat(second).isEqualTo(first);
        var tree = OpenAiJson.MAPPER.readTree(encoded.getBytes());
        assertThat(tree.get("logit_bias").get("50256").asInt()).isEqualTo(-100);
        assertThat(tree.get("functions").get(0).get("name").asText()).isEqualTo("legacy");
        assertThat(tree.get("messages").get(1).get("content").get(2).get("input_audio").get("format").asText()).isEqualTo("wav");
        assertThat(tree.get("messages").get(2).has("refusal")).isTrue();
        assertThat(first.extra()).containsKeys("logit_bias", "n", "metadata", "functions");
        assertThat(first.maxTokens()).isEqualTo(300);
        assertThat(first.includeUsage()).isTrue();
        assertThat(first.messages().get(0).role()).isEqualTo(dev.gatehouse.canonical.Role.DEVELOPER);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"model":"m","messages":[{"role":"robot","content":"x"}]}             | 'messages[0].role' must be one of 'system', 'developer', 'user', 'assistant' or 'tool', got 'robot'. | messages[0].role
            {"model":"m","messages":[{"role":"user","content":"a"},{"content":"x"}]} | Missing required parameter: 'messages[1].role'.                                      | messages[1].role
            {"model":"m","messages":[{"role":"user","content":5}]}                | 'messages[0].content' must be a string or an array of content parts, got a number.    | messages[0].content
            {"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]} | Missing required parameter: 'messages[0].content[0].text'.                          | messages[0].content[0].text
            {"model":"m","messages":[{"role":"tool","content":"x"}]}              | Missing required parameter: 'messages[0].tool_call_id' (tool messages must say which call they answer). | messages[0].tool_call_id
            {"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"} | 'temperature' must be a number, got a string.                                | temperature
            {"model":"m","messages":[{"role":"user","content":"x"}],"temperature":1e400} | 'temperature' is out of range.                                               | temperature
            {"model":"m","messages":[{"role":"user","content":"x"}],"top_p":-1e400}  | 'top_p' is out of range.                                                     | top_p
            {"model":"m","messages":[{"role":"user","content":"x"}],"stop":[1]}   | 'stop[0]' must be a string, got a number.                                               | stop[0]
            {"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"any"} | 'tool_choice' must be 'auto', 'none', 'required' or an object naming a function, got 'any'. | tool_choice
            {"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"xml"}} | 'response_format.type' must be 'text', 'json_object' or 'json_schema', got 'xml'. | response_format.type
            {"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"description":"d"}}]} | Missing required parameter: 'tools[0].function.name'. | tools[0].function.name
            """)
    void decoderRejectsBadFieldsWithPath(String body, String message, String param) {
        assertThatThrownBy(() -> OpenAiChatDecoder.decode(Buffer.buffer(body)))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo(message);
                    assertThat(e.param()).isEqualTo(param);
                });
    }

    @Test
    void responseEncodeDecodeRoundTrip() throws Exception {
        String upstream = """
                {"id":"chatcmpl-1","object":"chat.completion","created":1741569952,"model":"gpt-4o-2024-08-06",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!","refusal":null,
                   "tool_calls":[{"id":"call_9","type":"function","function":{"name":"f","arguments":"{}"}}],"annotations":[]},
                   "logprobs":null,"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,
                   "prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},
                   "completion_tokens_details":{"reasoning_tokens":4,"audio_tokens":0}},
                 "service_tier":"default","system_fingerprint":"fp_1"}""";
        ChatResponse r = codec.decodeChat(Buffer.buffer(upstream));
        assertThat(r.text()).isEqualTo("Hello!");
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(r.usage()).isEqualTo(new Usage(19, 10, 3, 0, 4));
        assertThat(r.extra()).containsKeys("service_tier", "system_fingerprint");
        Buffer encoded = OpenAiResponseEncoder.encode(r);
        var tree = OpenAiJson.MAPPER.readTree(encoded.getBytes());
        assertThat(tree.get("object").asText()).isEqualTo("chat.completion");
        assertThat(tree.at("/usage/total_tokens").asInt()).isEqualTo(29);
        assertThat(tree.at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(3);
        assertThat(tree.at("/choices/0/message/tool_calls/0/function/name").asText()).isEqualTo("f");
        assertThat(tree.get("system_fingerprint").asText()).isEqualTo("fp_1");
        assertThat(codec.decodeChat(encoded)).isEqualTo(r);
    }

    static final List<StreamEvent> EVENTS = List.of(
            new StreamEvent.Start("chatcmpl-7", "gpt-4o", 1700000000L),
            new StreamEvent.TextDelta("Hel"),
            new StreamEvent.TextDelta("lo \"wörld\" 😀\n"),
            new StreamEvent.ToolCallDelta(0, "call_a", "get_weather", ""),
            new StreamEvent.ToolCallDelta(1, "call_b", "get_time", "{\"tz\""),
            new StreamEvent.ToolCallDelta(0, null, null, "{\"city\":\"Paris\"}"),
            new StreamEvent.Finish(FinishReason.TOOL_CALLS),
            new StreamEvent.UsageReport(new Usage(12, 7, 2, 0, 1)));

    private static Buffer encodeStream(boolean includeUsage) {
        OpenAiChunkEncoder enc = new OpenAiChunkEncoder(null, includeUsage);
        Buffer all = Buffer.buffer();
        EVENTS.forEach(e -> all.appendBuffer(enc.encode(e)));
        return all.appendBuffer(enc.done());
    }

    @Test
    void chunkEncoderOutputDecodesBackToTheSameEventsAtEverySplit() {
        Buffer wire = encodeStream(true);
        assertThat(wire.toString()).startsWith("data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}")
                .contains("\"choices\":[],\"usage\":{\"prompt_tokens\":12").endsWith("data: [DONE]\n\n");
        for (int i = 0; i <= wire.length(); i++) {
            StreamDecoder d = codec.streamDecoder();
            List<StreamEvent> out = new ArrayList<>();
            d.feed(wire.getBuffer(0, i), out::add);
            d.feed(wire.getBuffer(i, wire.length()), out::add);
            assertThat(d.end(out::add)).as("DONE seen, split %d", i).isTrue();
            assertThat(out).as("split at %d", i).isEqualTo(EVENTS);
        }
    }

    @Test
    void withoutIncludeUsageNoUsageChunkIsSent() {
        assertThat(encodeStream(false).toString()).doesNotContain("\"usage\"");
    }

    @Test
    void cutStreamReportsNoDoneAndInBandErrorThrowsClassified() {
        StreamDecoder d = codec.streamDecoder();
        List<StreamEvent> out = new ArrayList<>();
        d.feed(Buffer.buffer("data: {\"id\":\"x\",\"model\":\"m\",\"created\":1,\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"), out::add);
        assertThat(d.end(out::add)).isFalse();
        assertThat(out).containsExactly(new StreamEvent.Start("x", "m", 1), new StreamEvent.TextDelta("a"));

        StreamDecoder d2 = codec.streamDecoder();
        assertThatThrownBy(() -> d2.feed(Buffer.buffer("data: {\"error\":{\"message\":\"Rate limit reached\",\"type\":\"rate_limit_error\","
                + "\"code\":\"rate_limit_exceeded\",\"param\":null}}\n\n"), e -> {}))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.error().errorClass()).isEqualTo(ErrorClass.RATE_LIMIT);
                    assertThat(e.error().message()).isEqualTo("Rate limit reached");
                    assertThat(e.error().code()).isEqualTo("rate_limit_exceeded");
                });
    }

    @Test
    void usageScannerTracksAndStripsUsageChunkAtEverySplit() {
        Buffer wire = encodeStream(true);
        String withoutUsage = wire.toString().replaceAll("data: \\{[^\\n]*\"choices\":\\[\\],\"usage\"[^\\n]*\\n\\n", "");
        assertThat(withoutUsage).isNotEqualTo(wire.toString()).endsWith("data: [DONE]\n\n");
        for (boolean strip : new boolean[] {false, true}) {
            for (int i = 0; i <= wire.length(); i++) {
                OpenAiStreamUsageScanner s = new OpenAiStreamUsageScanner(strip);
                Buffer a = wire.getBuffer(0, i);
                Buffer b = wire.getBuffer(i, wire.length());
                Buffer fa = s.feed(a);
                Buffer forwarded = Buffer.buffer().appendBuffer(fa).appendBuffer(s.feed(b)).appendBuffer(s.flush());
                assertThat(forwarded.toString()).as("strip %s split %d", strip, i).isEqualTo(strip ? withoutUsage : wire.toString());
                if (!strip) {
                    assertThat(fa).isSameAs(a);
                }
                assertThat(s.usage()).isEqualTo(new Usage(12, 7, 2, 0, 1));
                assertThat(s.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
                assertThat(s.doneReceived()).isTrue();
                assertThat(s.errorReceived()).isFalse();
            }
        }
    }

    @Test
    void usageScannerSeesInBandErrorsAndCrlf() {
        OpenAiStreamUsageScanner s = new OpenAiStreamUsageScanner(true);
        Buffer chunk = Buffer.buffer("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\r\n\r\n"
                + "data: {\"error\" : {\"message\":\"boom\",\"type\":\"server_error\"}}\r\n\r\n");
        assertThat(s.feed(chunk).toString()).isEqualTo("data: {\"error\" : {\"message\":\"boom\",\"type\":\"server_error\"}}\r\n\r\n");
        assertThat(s.usage()).isEqualTo(Usage.of(1, 2));
        assertThat(s.errorMessage()).isEqualTo("boom");
        assertThat(s.doneReceived()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            429 | {"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}} | RATE_LIMIT | Rate limit reached | rate_limit_exceeded
            429 | {"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}} | RATE_LIMIT | You exceeded your current quota | insufficient_quota
            408 | {"error":{"message":"timeout"}}                                  | TIMEOUT        | timeout | ``
            504 | <html><body><h1>504 Gateway Time-out</h1></body></html>          | TIMEOUT        | Upstream returned HTTP 504: <html><body><h1>504 Gateway Time-out</h1></body></html> | ``
            500 | {"error":{"message":"The server had an error","type":"server_error"}} | UPSTREAM_ERROR | The server had an error | ``
            502 | ``                                                              | UPSTREAM_ERROR | Upstream returned HTTP 502 | ``
            503 | {"error":{"message":"overloaded"}}                              | OVERLOADED     | overloaded | ``
            529 | {"error":{"message":"overloaded"}}                              | OVERLOADED     | overloaded | ``
            401 | {"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}} | AUTHENTICATION | Incorrect API key provided | invalid_api_key
            403 | {"error":{"message":"Country not supported","code":"unsupported_country_region_territory"}} | PERMISSION | Country not supported | unsupported_country_region_territory
            404 | {"error":{"message":"The model `gpt-9` does not exist","code":"model_not_found"}} | NOT_FOUND | The model `gpt-9` does not exist | model_not_found
            400 | {"error":{"message":"This model's maximum context length is 128000 tokens.","code":"context_length_exceeded","param":"messages"}} | CONTEXT_LENGTH | This model's maximum context length is 128000 tokens. | context_length_exceeded
            400 | {"error":{"message":"This model's maximum context length is 8192 tokens","code":null}} | CONTEXT_LENGTH | This model's maximum context length is 8192 tokens | ``
            400 | {"error":{"message":"Your request was rejected","code":"content_policy_violation"}} | CONTENT_POLICY | Your request was rejected | content_policy_violation
            400 | {"error":{"message":"Invalid value for 'temperature'","param":"temperature","code":"invalid_value"}} | BAD_REQUEST | Invalid value for 'temperature' | invalid_value
            422 | {"error":"bad thing"}                                           | BAD_REQUEST    | bad thing | ``
            """)
    void classifiesLikeTheTable(int status, String body, ErrorClass cls, String message, String code) {
        UpstreamError e = codec.classify(status, MultiMap.caseInsensitiveMultiMap(), Buffer.buffer(body == null ? "" : body));
        assertThat(e.errorClass()).isEqualTo(cls);
        assertThat(e.message()).isEqualTo(message);
        assertThat(e.code()).isEqualTo(code == null || code.isEmpty() ? null : code);
        assertThat(e.status()).isEqualTo(status);
    }

    @Test
    void rateLimitResetHeadersStandInForAMissingRetryAfter() {
        assertThat(OpenAiWireCodec.goDuration("1s")).isEqualTo(Duration.ofSeconds(1));
        assertThat(OpenAiWireCodec.goDuration("6m0s")).isEqualTo(Duration.ofMinutes(6));
        assertThat(OpenAiWireCodec.goDuration("20ms")).isEqualTo(Duration.ofMillis(20));
        assertThat(OpenAiWireCodec.goDuration("1h2m3.5s")).isEqualTo(Duration.ofMillis(3_723_500));
        assertThat(OpenAiWireCodec.goDuration("soon")).isNull();
        assertThat(OpenAiWireCodec.goDuration("5s later")).isNull();
        // The exhausted limit's reset wins over a later reset of one with headroom.
        assertThat(OpenAiWireCodec.retryAfter(MultiMap.caseInsensitiveMultiMap()
                .add("x-ratelimit-remaining-requests", "0").add("x-ratelimit-reset-requests", "1s")
                .add("x-ratelimit-remaining-tokens", "5000").add("x-ratelimit-reset-tokens", "6m0s")))
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(OpenAiWireCodec.retryAfter(MultiMap.caseInsensitiveMultiMap().add("x-ratelimit-reset-tokens", "250ms")))
                .isEqualTo(Duration.ofMillis(250));
        // Retry-After, when present, is the provider's own answer.
        assertThat(OpenAiWireCodec.retryAfter(MultiMap.caseInsensitiveMultiMap().add("retry-after", "3")
                .add("x-ratelimit-remaining-requests", "0").add("x-ratelimit-reset-requests", "1s")))
                .isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void paramAndRetryAfterAreKept() {
        MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Retry-After", "20");
        UpstreamError e = codec.classify(400, h, Buffer.buffer("{\"error\":{\"message\":\"x\",\"param\":\"messages\"}}"));
        assertThat(e.param()).isEqualTo("messages");
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(20));
        assertThat(OpenAiWireCodec.retryAfter(MultiMap.caseInsensitiveMultiMap().add("retry-after-ms", "1500").add("retry-after", "9")))
                .isEqualTo(Duration.ofMillis(1500));
        String date = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(120));
        assertThat(OpenAiWireCodec.retryAfter(MultiMap.caseInsensitiveMultiMap().add("Retry-After", date)))
                .isBetween(Duration.ofSeconds(100), Duration.ofSeconds(121));
        String html = "<html>" + "x".repeat(2000) + "</html>";
        assertThat(codec.classify(502, null, Buffer.buffer(html)).message()).hasSizeLessThan(560).startsWith("Upstream returned HTTP 502: <html>xxx");
    }

    @Test
    void embeddingsBase64IsLittleEndianFloat32AndDecodesBack() throws Exception {
        float[] v = {1.0f, -2.5f, 0.0023064255f};
        EmbeddingResponse r = new EmbeddingResponse("text-embedding-3-small", List.of(v, new float[] {0.5f}), Usage.of(8, 0));
        Buffer b64 = OpenAiEmbeddingsEncoder.encode(r, "base64");
        var tree = OpenAiJson.MAPPER.readTree(b64.getBytes());
        // 1.0f = 0x3F800000 little-endian 00 00 80 3F; -2.5f = 0xC0200000
        assertThat(tree.at("/data/0/embedding").asText()).isEqualTo(java.util.Base64.getEncoder().encodeToString(new byte[] {0, 0, (byte) 0x80, 0x3F, 0, 0, 0x20, (byte) 0xC0, 0x66, 0x27, 0x17, 0x3B}));
        assertThat(tree.at("/usage/prompt_tokens").asInt()).isEqualTo(8);
        assertThat(tree.at("/usage/total_tokens").asInt()).isEqualTo(8);
        assertThat(tree.at("/data/1/index").asInt()).isEqualTo(1);
        EmbeddingResponse back = codec.decodeEmbeddings(b64);
        assertThat(back.vectors().get(0)).containsExactly(v);
        EmbeddingResponse backFloat = codec.decodeEmbeddings(OpenAiEmbeddingsEncoder.encode(r, "float"));
        assertThat(backFloat.vectors().get(0)).containsExactly(v);
        assertThat(backFloat.vectors().get(1)).containsExactly(0.5f);
    }

    /** Extra top-level fields are re-emitted only when they are OpenAI's own (same-format upstream). */
    @Test
    void extraFieldsOfAnotherFormatAreNotWritten() {
        ChatResponse r = new ChatResponse("id1", "m", 1, List.of(new dev.gatehouse.canonical.ContentPart.Text("hi")), List.of(),
                FinishReason.STOP, Usage.of(1, 1), java.util.Map.of("container", OpenAiJson.MAPPER.createObjectNode().put("id", "c")));
        assertThat(OpenAiResponseEncoder.encode(r, false).toString()).doesNotContain("container");
        assertThat(OpenAiResponseEncoder.encode(r, true).toString()).contains("\"container\":{\"id\":\"c\"}");
    }
}
