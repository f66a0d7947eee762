package dev.gatehouse.dialect.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.canonical.Role;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Anthropic codec against payload shapes from Anthropic's Messages API and streaming documentation. */
class AnthropicCodecTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final AnthropicWireCodec codec = new AnthropicWireCodec();

    /** The streaming example with a tool call from Anthropic's "Streaming Messages" page, byte-split everywhere. */
    static final String TOOL_STREAM = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-sonnet-4-5","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2},"content":[],"stop_reason":null}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: ping
            data: {"type": "ping"}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: content_block_start
            data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\":"}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \\"San Francisco, CA\\"}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":1}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    @Test
    void decodesTheDocumentedToolStreamSplitAtEveryByte() {
        StreamDecoder decoder = codec.streamDecoder();
        List<StreamEvent> events = new ArrayList<>();
        byte[] bytes = TOOL_STREAM.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (byte b : bytes) {
            decoder.feed(Buffer.buffer(new byte[] {b}), events::add);
        }
        assertThat(decoder.end(events::add)).isTrue();
        assertThat(events.get(0)).isInstanceOf(StreamEvent.Start.class);
        assertThat(events).contains(new StreamEvent.TextDelta("Okay"),
                new StreamEvent.ToolCallDelta(0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather", ""),
                new StreamEvent.ToolCallDelta(0, null, null, "{\"location\":"),
                new StreamEvent.Finish(FinishReason.TOOL_CALLS));
        StreamEvent.UsageReport usage = (StreamEvent.UsageReport) events.getLast();
        assertThat(usage.usage().inputTokens()).isEqualTo(472);
        assertThat(usage.usage().outputTokens()).isEqualTo(89);
    }

    @Test
    void streamErrorEventIsAnUpstreamError() {
        StreamDecoder decoder = codec.streamDecoder();
        assertThatThrownBy(() -> decoder.feed(Buffer.buffer(
                "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n"),
                e -> { }))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.error().errorClass()).isEqualTo(ErrorClass.OVERLOADED);
                    assertThat(e.error().message()).isEqualTo("Overloaded");
                });
    }

    @Test
    void decodesTheDocumentedMessageWithThinkingAndToolUse() throws Exception {
        ChatResponse r = codec.decodeChat(Buffer.buffer("""
                {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                 "content":[{"type":"thinking","thinking":"Let me analyze this.","signature":"WaUjzkypQ2mUEVM36O2T"},
                            {"type":"text","text":"I'll check."},
                            {"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"location":"San Francisco, CA"}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":2095,"output_tokens":503,"cache_creation_input_tokens":100,"cache_read_input_tokens":1000}}
                """));
        assertThat(r.content().get(0)).isEqualTo(new ContentPart.Reasoning("Let me analyze this.", "WaUjzkypQ2mUEVM36O2T", false));
        assertThat(r.text()).isEqualTo("I'll check.");
        assertThat(r.toolCalls()).containsExactly(new ToolCall("toolu_01A", "get_weather", "{\"location\":\"San Francisco, CA\"}"));
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(r.usage().inputTokens()).isEqualTo(3195);
        assertThat(r.usage().cachedInputTokens()).isEqualTo(1000);
        assertThat(r.usage().cacheWriteTokens()).isEqualTo(100);
    }

    @Test
    void stopReasons() {
        assertThat(AnthropicFormat.finishReason("end_turn")).isEqualTo(FinishReason.STOP);
        assertThat(AnthropicFormat.finishReason("stop_sequence")).isEqualTo(FinishReason.STOP);
        assertThat(AnthropicFormat.finishReason("max_tokens")).isEqualTo(FinishReason.LENGTH);
        assertThat(AnthropicFormat.finishReason("tool_use")).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(AnthropicFormat.finishReason("refusal")).isEqualTo(FinishReason.CONTENT_FILTER);
    }

    @Test
    void classifiesDocumentedErrors() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("retry-after", "12");
        UpstreamError rate = codec.classify(429, headers, Buffer.buffer(
                "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Too many\"}}"));
        assertThat(rate.errorClass()).isEqualTo(ErrorClass.RATE_LIMIT);
        assertThat(rate.retryAfter()).hasSeconds(12);
        assertThat(codec.classify(529, null, Buffer.buffer("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"))
                .errorClass()).isEqualTo(ErrorClass.OVERLOADED);
        assertThat(codec.classify(400, null, Buffer.buffer("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"prompt is too long: 208190 tokens > 200000 maximum\"}}")).errorClass()).isEqualTo(ErrorClass.CONTEXT_LENGTH);
        assertThat(codec.classify(401, null, Buffer.buffer("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}"))
                .errorClass()).isEqualTo(ErrorClass.AUTHENTICATION);
        assertThat(codec.classify(403, null, Buffer.buffer("")).errorClass()).isEqualTo(ErrorClass.PERMISSION);
        assertThat(codec.classify(404, null, Buffer.buffer("")).errorClass()).isEqualTo(ErrorClass.NOT_FOUND);
        assertThat(codec.classify(413, null, Buffer.buffer("{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\",\"message\":\"Request exceeds the maximum allowed number of bytes.\"}}"))
                .errorClass()).isEqualTo(ErrorClass.BAD_REQUEST);
        UpstreamError server = codec.classify(500, null, Buffer.buffer("<html>bad gateway</html>"));
        assertThat(server.errorClass()).isEqualTo(ErrorClass.UPSTREAM_ERROR);
        assertThat(server.message()).contains("bad gateway");
    }

    @Test
    void encodesToolResultsIntoUserTurnsAndThinkingBlocksExactly() throws Exception {
        ChatRequest r = new ChatRequest("claude-sonnet-4-5", List.of(
                Message.text(Role.USER, "Weather?"),
                new Message(Role.ASSISTANT, List.of(new ContentPart.Reasoning("hmm", "sig==", false)),
                        List.of(new ToolCall("toolu_1", "w", "{\"c\":1}"), new ToolCall("toolu_2", "w", "")), null, null, Map.of()),
                new Message(Role.TOOL, List.of(new ContentPart.Text("a")), List.of(), "toolu_1", null, Map.of()),
                new Message(Role.TOOL, List.of(new ContentPart.Text("b")), List.of(), "toolu_2", null, Map.of()),
                Message.text(Role.USER, "Thanks")),
                null, null, 100, List.of(), null, List.of(), null, null, null, null, false, false, null, Map.of());
        JsonNode body = JSON.readTree(codec.encodeChat(r).getBytes());
        JsonNode messages = body.get("messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.get(1).get("content").get(0).toString())
                .isEqualTo("{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"sig==\"}");
        assertThat(messages.get(1).get("content").get(2).get("input").toString()).isEqualTo("{}");
        assertThat(messages.get(2).get("content").get(0).get("type").asText()).isEqualTo("tool_result");
        assertThat(messages.get(2).get("content").get(1).get("tool_use_id").asText()).isEqualTo("toolu_2");
        assertThat(messages.get(2).get("content").get(2).get("text").asText()).isEqualTo("Thanks");
        assertThat(body.get("max_tokens").asInt()).isEqualTo(100);
    }

    @Test
    void refusesWhatAnthropicCannotDo() {
        ChatRequest hot = new ChatRequest("claude-3-5-haiku", List.of(Message.text(Role.USER, "hi")), 1.5, null, null, List.of(),
                null, List.of(), null, null, null, null, false, false, null, Map.of());
        assertThatThrownBy(() -> codec.encodeChat(hot)).isInstanceOf(GatewayException.class)
                .hasMessageContaining("temperature").hasMessageContaining("claude-3-5-haiku");
        ChatRequest audio = new ChatRequest("claude-3-5-haiku", List.of(Message.text(Role.USER, "hi")), null, null, null, List.of(),
                null, List.of(), null, null, null, null, false, false, null, Map.of("modalities", JSON.createArrayNode().add("audio")));
        assertThatThrownBy(() -> codec.encodeChat(audio)).hasMessageContaining("audio output").hasMessageContaining("claude-3-5-haiku");
    }

    @Test
    void defaultMaxTokensPerFamily() {
        assertThat(AnthropicFormat.defaultMaxTokens("claude-3-haiku-20240307")).isEqualTo(4096);
        assertThat(AnthropicFormat.defaultMaxTokens("claude-3-5-sonnet-latest")).isEqualTo(8192);
        assertThat(AnthropicFormat.defaultMaxTokens("claude-opus-4-1")).isEqualTo(32000);
    }

    /** An answer translated from another format gets an Anthropic-style id (was chatcmpl-…), plain and streamed. */
    @Test
    void translatedAnswersCarryAnAnthropicStyleId() throws Exception {
        ChatResponse fromOpenAi = new ChatResponse("chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", "gpt-4o", 1,
                List.of(new ContentPart.Text("hi")), List.of(), FinishReason.STOP, dev.gatehouse.canonical.Usage.of(1, 1), Map.of());
        JsonNode plain = new ObjectMapper().readTree(AnthropicResponseEncoder.encode(fromOpenAi, "gpt-4o").toString());
        assertThat(plain.path("id").asText()).isEqualTo("msg_B9MBs8CjcvOU2jLn4n570S5qMJKcT");
        String start = new AnthropicStreamEncoder("gpt-4o").encode(new StreamEvent.Start("chatcmpl-7", "gpt-4o", 1)).toString();
        assertThat(start).contains("\"id\":\"msg_7\"").doesNotContain("chatcmpl");
        // Gemini's responseId, and no id at all
        assertThat(AnthropicResponseEncoder.messageId("mLsXaOmXB-2Qz7IP")).isEqualTo("msg_mLsXaOmXB2Qz7IP");
        assertThat(AnthropicResponseEncoder.messageId(null)).matches("msg_[0-9a-f]{32}");
        assertThat(AnthropicResponseEncoder.messageId("-")).matches("msg_[0-9a-f]{32}");
        // Anthropic's own ids are kept as they are
        assertThat(AnthropicResponseEncoder.messageId("msg_014p7gG3wDgGV9EUtLvnow3U")).isEqualTo("msg_014p7gG3wDgGV9EUtLvnow3U");
    }

    /** LangChain's ChatAnthropic reads input tokens only from message_start: the gateway's count goes there. */
    @Test
    void translatedStreamGivesThePromptCountAtTheStartAndTheExactFigureAtTheEnd() throws Exception {
        AnthropicStreamEncoder enc = new AnthropicStreamEncoder("m", 42);
        String start = enc.encode(new StreamEvent.Start("msg_1", "m", 1)).toString();
        JsonNode startData = new ObjectMapper().readTree(start.substring(start.indexOf("data: ") + 6).strip());
        assertThat(startData.path("message").path("usage").path("input_tokens").asLong()).isEqualTo(42);
        enc.encode(new StreamEvent.TextDelta("hi"));
        enc.encode(new StreamEvent.Finish(FinishReason.STOP));
        enc.encode(new StreamEvent.UsageReport(dev.gatehouse.canonical.Usage.of(57, 3)));
        String done = enc.done().toString();
        assertThat(done).contains("\"input_tokens\":57").contains("\"output_tokens\":3");
        // a continuation's encoder keeps the count (its message_start is not repeated anyway)
        assertThat(new AnthropicStreamEncoder("m").encode(new StreamEvent.Start("msg_2", "m", 1)).toString())
                .contains("\"input_tokens\":0");
    }

    /** Answers name the model the upstream reports; the encoder's own name is for an upstream that names none. */
    @Test
    void theStreamNamesTheUpstreamsModel() {
        assertThat(new AnthropicStreamEncoder("gpt-4o").encode(new StreamEvent.Start("m1", "gpt-4o-2024-08-06", 1)).toString())
                .contains("\"model\":\"gpt-4o-2024-08-06\"");
        assertThat(new AnthropicStreamEncoder("gemini-2.5-flash").encode(new StreamEvent.Start("m1", null, 1)).toString())
                .contains("\"model\":\"gemini-2.5-flash\"");
        assertThat(new dev.gatehouse.dialect.openai.OpenAiChunkEncoder("gemini-2.5-flash", false)
                .encode(new StreamEvent.Start("c1", null, 1)).toString()).contains("\"model\":\"gemini-2.5-flash\"");
        assertThat(new dev.gatehouse.dialect.openai.OpenAiChunkEncoder("gpt-4o", false)
                .encode(new StreamEvent.Start("c1", "gpt-4o-2024-08-06", 1)).toString()).contains("\"model\":\"gpt-4o-2024-08-06\"");
    }

    /** The forced JSON tool's input is the answer; text written around it is dropped, whole and streamed. */
    @Test
    void textAroundTheForcedJsonToolIsDropped() {
        ChatResponse r = codec.decodeChat(Buffer.buffer("""
                {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[
                  {"type":"text","text":"Here you go:"},
                  {"type":"tool_use","id":"toolu_1","name":"gatehouse_json_output","input":{"a":1}}],
                 "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":7}}"""));
        assertThat(r.text()).isEqualTo("{\"a\":1}");
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);

        String stream = """
                event: message_start
                data: {"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":5,"output_tokens":1}}}

                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":"Here"}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" you go:"}}

                event: content_block_start
                data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"gatehouse_json_output","input":{}}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\":1}"}}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":7}}

                event: message_stop
                data: {"type":"message_stop"}

                """;
        assertThat(streamedText(new AnthropicStreamDecoder(true), stream)).isEqualTo("{\"a\":1}");
        assertThat(streamedText(new AnthropicStreamDecoder(false), stream)).isEqualTo("Here you go:{\"a\":1}");
        // JSON output asked for but the model wrote only text: the text is the answer, not lost
        String textOnly = stream.substring(0, stream.indexOf("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1"))
                + stream.substring(stream.indexOf("event: message_delta"));
        assertThat(streamedText(new AnthropicStreamDecoder(true), textOnly)).isEqualTo("Here you go:");
    }

    private static String streamedText(StreamDecoder decoder, String stream) {
        StringBuilder text = new StringBuilder();
        decoder.feed(Buffer.buffer(stream), e -> {
            if (e instanceof StreamEvent.TextDelta t) {
                text.append(t.text());
            }
        });
        return text.toString();
    }
}
