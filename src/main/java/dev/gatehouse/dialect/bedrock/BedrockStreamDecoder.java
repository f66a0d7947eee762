package dev.gatehouse.dialect.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * ConverseStream's event-stream frames to canonical events: {@code messageStart} → Start,
 * {@code contentBlockStart} with a toolUse → the call's first fragment (id and name),
 * {@code contentBlockDelta} → text, tool-input or reasoning deltas, {@code messageStop} → Finish,
 * {@code metadata} → the usage. An {@code exception} frame (throttling, validation, model stream
 * error) is thrown as the classified upstream error. The stream is complete once messageStop arrived.
 */
final class BedrockStreamDecoder implements StreamDecoder {
    private final EventStreamDecoder frames = new EventStreamDecoder();
    private final boolean jsonOutput;
    /** contentBlockIndex of each tool call → its canonical call index. */
    private final Map<Integer, Integer> callIndex = new HashMap<>();
    /** The block index of the forced JSON tool (with JSON output), whose input is the answer's text. */
    private int jsonBlock = -1;
    private boolean started;
    private FinishReason finish;
    private Usage usage;

    BedrockStreamDecoder(boolean jsonOutput) {
        this.jsonOutput = jsonOutput;
    }

    @Override
    public void feed(Buffer chunk, Consumer<StreamEvent> out) {
        try {
            frames.feed(chunk, frame -> onFrame(frame, out));
        } catch (EventStreamDecoder.CorruptStream e) {
            throw new UpstreamException(UpstreamError.of(ErrorClass.UPSTREAM_ERROR, "Bedrock sent a broken event stream: "
                    + e.getMessage()));
        }
    }

    @Override
    public boolean end(Consumer<StreamEvent> out) {
        return finish != null && frames.pendingBytes() == 0;
    }

    private void onFrame(EventStreamDecoder.Frame frame, Consumer<StreamEvent> out) {
        String messageType = frame.header(":message-type");
        if ("exception".equals(messageType)) {
            throw new UpstreamException(BedrockWireCodec.classify(0, frame.header(":exception-type"), message(frame), null));
        }
        if ("error".equals(messageType)) {
            String text = frame.header(":error-message");
            throw new UpstreamException(BedrockWireCodec.classify(0, frame.header(":error-code"),
                    text == null ? frame.payloadText() : text, null));
        }
        if (!"event".equals(messageType)) {
            return;
        }
        String type = frame.header(":event-type");
        JsonNode event = BedrockWireCodec.read(Buffer.buffer(frame.payload()));
        if (!started) {
            started = true;
            out.accept(new StreamEvent.Start("bedrock-" + UUID.randomUUID(), null, System.currentTimeMillis() / 1000));
        }
        switch (type == null ? "" : type) {
            case "contentBlockStart" -> {
                JsonNode use = event.path("start").path("toolUse");
                if (use.isObject()) {
                    int block = event.path("contentBlockIndex").asInt();
                    if (jsonOutput && BedrockRequestEncoder.JSON_TOOL.equals(use.path("name").asText())) {
                        jsonBlock = block;
                    } else {
                        int index = callIndex.size();
                        callIndex.put(block, index);
                        out.accept(new StreamEvent.ToolCallDelta(index, use.path("toolUseId").asText(), use.path("name").asText(), ""));
                    }
                }
            }
            case "contentBlockDelta" -> {
                int block = event.path("contentBlockIndex").asInt();
                JsonNode delta = event.path("delta");
                if (delta.has("text")) {
                    if (!jsonOutput) {
                        out.accept(new StreamEvent.TextDelta(delta.path("text").asText()));
                    }
                } else if (delta.has("toolUse")) {
                    String fragment = delta.path("toolUse").path("input").asText("");
                    if (block == jsonBlock) {
                        out.accept(new StreamEvent.TextDelta(fragment));
                    } else {
                        Integer index = callIndex.get(block);
                        if (index == null) {
                            throw new UpstreamException(UpstreamError.of(ErrorClass.UPSTREAM_ERROR,
                                    "Bedrock sent tool input for block " + block + " before its contentBlockStart"));
                        }
                        out.accept(new StreamEvent.ToolCallDelta(index, null, null, fragment));
                    }
                } else if (delta.has("reasoningContent")) {
                    JsonNode r = delta.get("reasoningContent");
                    if (r.has("text")) {
                        out.accept(new StreamEvent.ReasoningDelta(r.path("text").asText(), null));
                    } else if (r.has("signature")) {
                        out.accept(new StreamEvent.ReasoningDelta("", r.path("signature").asText()));
                    }
                }
            }
            case "messageStop" -> {
                finish = BedrockResponseDecoder.finishReason(event.path("stopReason").asText(""));
                if (jsonOutput && finish == FinishReason.TOOL_CALLS && callIndex.isEmpty()) {
                    finish = FinishReason.STOP;
                }
                out.accept(new StreamEvent.Finish(finish));
            }
            case "metadata" -> {
                usage = BedrockResponseDecoder.usage(event.path("usage"));
                if (usage != null) {
                    out.accept(new StreamEvent.UsageReport(usage));
                }
            }
            default -> { } // messageStart, contentBlockStop: nothing to pass on
        }
    }

    private static String message(EventStreamDecoder.Frame frame) {
        try {
            JsonNode body = BedrockWireCodec.MAPPER.readTree(frame.payload());
            if (body != null && body.has("message")) {
                return body.path("message").asText();
            }
        } catch (java.io.IOException e) {
            // the raw payload is the message
        }
        return frame.payloadText();
    }
}
