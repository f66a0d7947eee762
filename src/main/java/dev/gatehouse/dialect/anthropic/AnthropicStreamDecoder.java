package dev.gatehouse.dialect.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.sse.SseEvent;
import dev.gatehouse.provider.sse.SseJsonDecoder;
import java.util.HashMap;
import java.util.Map;

/**
 * Anthropic's Messages stream to canonical events: {@code message_start} → Start (and the input
 * side of usage), {@code content_block_*} → text, reasoning and tool-call deltas (a tool call's
 * index is the order of its {@code tool_use} block among the tool calls), {@code message_delta} →
 * Finish and UsageReport, {@code message_stop} the terminator, {@code error} an in-band failure.
 * The gateway's JSON-output tool call is turned back into text deltas.
 */
public final class AnthropicStreamDecoder extends SseJsonDecoder {
    /** Content block index to what it is: a tool call's canonical index, or JSON_TEXT / OTHER. */
    private final Map<Integer, Integer> blocks = new HashMap<>();
    private static final int JSON_TEXT = -1;
    private static final int OTHER = -2;
    private int toolCalls;
    private boolean jsonOutput;
    private boolean done;
    private JsonNode startUsage;

    /**
     * With JSON output forced (the gateway's JSON tool), text outside the tool is commentary that would
     * be glued to the JSON: it is held back, dropped when the JSON tool starts, and passed on only if
     * the answer ends without it.
     */
    private final boolean jsonOutputForced;
    private StringBuilder heldText;

    public AnthropicStreamDecoder() {
        this(false);
    }

    /** @param jsonOutputForced whether the request asked for JSON output (so the JSON tool is forced) */
    public AnthropicStreamDecoder(boolean jsonOutputForced) {
        super(OpenAiJson.MAPPER, "Upstream sent a stream event that is not valid JSON: ");
        this.jsonOutputForced = jsonOutputForced;
    }

    /** Text of a text block: passed on, or with JSON output forced held back (see {@link #jsonOutputForced}). */
    private void text(String text) {
        if (text.isEmpty()) {
            return;
        }
        if (!jsonOutputForced) {
            out.accept(new StreamEvent.TextDelta(text));
        } else if (!jsonOutput) {
            (heldText == null ? heldText = new StringBuilder() : heldText).append(text);
        }
    }

    @Override
    protected boolean ended() {
        return done;
    }

    @Override
    protected void onObject(SseEvent event, JsonNode root) {
        // The data's own "type" is authoritative; the SSE event line repeats it.
        String type = root.path("type").asText(event.event());
        switch (type) {
            case "message_start" -> {
                JsonNode message = root.path("message");
                startUsage = message.get("usage");
                out.accept(new StreamEvent.Start(message.path("id").asText(null), message.path("model").asText(null),
                        System.currentTimeMillis() / 1000));
            }
            case "content_block_start" -> blockStart(root.path("index").asInt(0), root.path("content_block"));
            case "content_block_delta" -> blockDelta(root.path("index").asInt(0), root.path("delta"));
            case "message_delta" -> {
                String stop = root.path("delta").path("stop_reason").asText(null);
                if (heldText != null && !jsonOutput) {
                    out.accept(new StreamEvent.TextDelta(heldText.toString())); // no JSON came: the text is the answer
                }
                heldText = null;
                if (stop != null) {
                    FinishReason reason = AnthropicFormat.finishReason(stop);
                    if (reason == FinishReason.TOOL_CALLS && jsonOutput && toolCalls == 0) {
                        reason = FinishReason.STOP;
                    }
                    out.accept(new StreamEvent.Finish(reason));
                }
                JsonNode usage = root.get("usage");
                if (usage != null && usage.isObject()) {
                    out.accept(new StreamEvent.UsageReport(merged(usage)));
                }
            }
            case "message_stop" -> done = true;
            case "error" -> throw new UpstreamException(AnthropicWireCodec.classifyInBand(root.path("error")));
            default -> { } // ping, content_block_stop and event types added later carry nothing we need
        }
    }

    private void blockStart(int index, JsonNode block) {
        switch (block.path("type").asText("")) {
            case "text" -> {
                blocks.put(index, OTHER);
                text(block.path("text").asText(""));
            }
            case "thinking" -> {
                blocks.put(index, OTHER);
                String text = block.path("thinking").asText("");
                if (!text.isEmpty()) {
                    out.accept(new StreamEvent.ReasoningDelta(text, null));
                }
            }
            case "tool_use" -> {
                if (AnthropicFormat.JSON_TOOL.equals(block.path("name").asText())) {
                    jsonOutput = true;
                    heldText = null; // commentary before the JSON is dropped
                    blocks.put(index, JSON_TEXT);
                    return;
                }
                int call = toolCalls++;
                blocks.put(index, call);
                out.accept(new StreamEvent.ToolCallDelta(call, block.path("id").asText(null), block.path("name").asText(null), ""));
            }
            default -> blocks.put(index, OTHER);
        }
    }

    private void blockDelta(int index, JsonNode delta) {
        Integer kind = blocks.get(index);
        switch (delta.path("type").asText("")) {
            case "text_delta" -> text(delta.path("text").asText(""));
            case "thinking_delta" -> out.accept(new StreamEvent.ReasoningDelta(delta.path("thinking").asText(""), null));
            case "signature_delta" -> out.accept(new StreamEvent.ReasoningDelta("", delta.path("signature").asText(null)));
            case "input_json_delta" -> {
                String fragment = delta.path("partial_json").asText("");
                if (kind != null && kind == JSON_TEXT) {
                    if (!fragment.isEmpty()) {
                        out.accept(new StreamEvent.TextDelta(fragment));
                    }
                } else if (kind != null && kind >= 0) {
                    out.accept(new StreamEvent.ToolCallDelta(kind, null, null, fragment));
                }
            }
            default -> { } // citations_delta and later delta types
        }
    }

    /**
     * message_delta usage is cumulative for output; input counts are in message_start (newer API
     * versions repeat them in message_delta, which then wins).
     */
    private Usage merged(JsonNode delta) {
        ObjectNode u = OpenAiJson.MAPPER.createObjectNode();
        if (startUsage != null && startUsage.isObject()) {
            u.setAll((ObjectNode) startUsage);
        }
        delta.properties().forEach(e -> {
            if (!e.getValue().isNull()) {
                u.set(e.getKey(), e.getValue());
            }
        });
        return AnthropicFormat.usage(u);
    }
}
