package dev.gatehouse.dialect.anthropic;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.anthropic.AnthropicFormat;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.provider.StreamEncoder;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Canonical stream events to Anthropic's event sequence: {@code message_start}, then for each
 * content block {@code content_block_start}, its deltas and {@code content_block_stop} (one block
 * open at a time, as Anthropic sends them), then {@code message_delta} with the stop reason and
 * usage, then {@code message_stop}. Usage arrives after the finish reason in other formats, so
 * the closing events are written by {@link #done()}.
 */
public final class AnthropicStreamEncoder implements StreamEncoder {
    private enum Kind { TEXT, THINKING, TOOL }

    private static final Buffer EMPTY = Buffer.buffer(0);
    /** The model shown when the upstream's stream names none (docs/api.md: answers name the model the upstream reports). */
    private final String model;
    /** The prompt's size as the gateway counts it, for message_start (see the constructor). */
    private final long promptTokens;
    private boolean started;
    private int nextBlock;
    private int openBlock = -1;
    private Kind openKind;
    private final Map<Integer, Integer> toolBlocks = new HashMap<>();
    private FinishReason finish;
    private Usage usage;

    /** @param model the model name to show the caller when the upstream names none */
    public AnthropicStreamEncoder(String model) {
        this(model, 0);
    }

    /**
     * @param promptTokens the gateway's own count of the prompt, shown as message_start's
     *        {@code usage.input_tokens}: other formats report input tokens only at the end, and some
     *        clients (LangChain's ChatAnthropic) read them only from message_start. message_delta
     *        carries the upstream's exact figure.
     */
    public AnthropicStreamEncoder(String model, long promptTokens) {
        this.model = model;
        this.promptTokens = Math.max(0, promptTokens);
    }

    /**
     * Carries the caller's message on after a failover: message_start is not repeated and the
     * open content block stays open, so continued text lands in the block the caller is reading.
     */
    @Override
    public StreamEncoder resuming() {
        AnthropicStreamEncoder next = new AnthropicStreamEncoder(model, promptTokens);
        next.started = started;
        next.nextBlock = nextBlock;
        next.openBlock = openBlock;
        next.openKind = openKind;
        next.toolBlocks.putAll(toolBlocks);
        return next;
    }

    @Override
    public Buffer encode(StreamEvent event) {
        Buffer out = Buffer.buffer();
        switch (event) {
            case StreamEvent.Start s -> start(out, s.id(), s.model());
            case StreamEvent.TextDelta t -> {
                if (t.text().isEmpty()) {
                    return EMPTY;
                }
                ensureBlock(out, Kind.TEXT, null, null);
                delta(out, openBlock, g -> {
                    g.writeStringField("type", "text_delta");
                    g.writeStringField("text", t.text());
                });
            }
            case StreamEvent.ReasoningDelta r -> {
                ensureBlock(out, Kind.THINKING, null, null);
                if (r.text() != null && !r.text().isEmpty()) {
                    delta(out, openBlock, g -> {
                        g.writeStringField("type", "thinking_delta");
                        g.writeStringField("thinking", r.text());
                    });
                }
                if (r.signature() != null) {
                    delta(out, openBlock, g -> {
                        g.writeStringField("type", "signature_delta");
                        g.writeStringField("signature", r.signature());
                    });
                }
            }
            case StreamEvent.ToolCallDelta d -> {
                Integer block = toolBlocks.get(d.index());
                if (block == null) {
                    ensureBlock(out, Kind.TOOL, d.id(), d.name());
                    block = openBlock;
                    toolBlocks.put(d.index(), block);
                }
                String fragment = d.argumentsFragment();
                if (fragment != null && !fragment.isEmpty()) {
                    int index = block;
                    delta(out, index, g -> {
                        g.writeStringField("type", "input_json_delta");
                        g.writeStringField("partial_json", fragment);
                    });
                }
            }
            case StreamEvent.Finish f -> finish = f.reason();
            case StreamEvent.UsageReport u -> usage = u.usage();
        }
        return out;
    }

    /** Closes the open block and writes message_delta (stop reason, usage) and message_stop. */
    @Override
    public Buffer done() {
        Buffer out = Buffer.buffer();
        start(out, null, null);
        closeBlock(out);
        Usage u = usage == null ? Usage.ZERO : usage;
        event(out, "message_delta", g -> {
            g.writeStringField("type", "message_delta");
            g.writeObjectFieldStart("delta");
            g.writeStringField("stop_reason", AnthropicFormat.stopReason(finish == null ? FinishReason.STOP : finish));
            g.writeNullField("stop_sequence");
            g.writeEndObject();
            g.writeFieldName("usage");
            AnthropicResponseEncoder.writeUsage(g, u, true);
        });
        event(out, "message_stop", g -> g.writeStringField("type", "message_stop"));
        return out;
    }

    @Override
    public Buffer error(GatewayException e) {
        return AnthropicErrors.sseEvent(e);
    }

    @Override
    public boolean finished() {
        return finish != null;
    }

    @Override
    public Usage usage() {
        return usage;
    }

    private void start(Buffer out, String id, String upstreamModel) {
        if (started) {
            return;
        }
        started = true;
        event(out, "message_start", g -> {
            g.writeStringField("type", "message_start");
            g.writeObjectFieldStart("message");
            g.writeStringField("id", AnthropicResponseEncoder.messageId(id));
            g.writeStringField("type", "message");
            g.writeStringField("role", "assistant");
            g.writeStringField("model", upstreamModel != null ? upstreamModel : model);
            g.writeArrayFieldStart("content");
            g.writeEndArray();
            g.writeNullField("stop_reason");
            g.writeNullField("stop_sequence");
            g.writeObjectFieldStart("usage");
            // Other formats report input tokens only at the end: the gateway's count here, the upstream's in message_delta.
            g.writeNumberField("input_tokens", promptTokens);
            g.writeNumberField("output_tokens", 0);
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    private void ensureBlock(Buffer out, Kind kind, String toolId, String toolName) {
        start(out, null, null);
        if (openBlock >= 0 && openKind == kind && kind != Kind.TOOL) {
            return;
        }
        closeBlock(out);
        openBlock = nextBlock++;
        openKind = kind;
        int index = openBlock;
        event(out, "content_block_start", g -> {
            g.writeStringField("type", "content_block_start");
            g.writeNumberField("index", index);
            g.writeObjectFieldStart("content_block");
            switch (kind) {
                case TEXT -> {
                    g.writeStringField("type", "text");
                    g.writeStringField("text", "");
                }
                case THINKING -> {
                    g.writeStringField("type", "thinking");
                    g.writeStringField("thinking", "");
                    g.writeStringField("signature", "");
                }
                case TOOL -> {
                    g.writeStringField("type", "tool_use");
                    g.writeStringField("id", toolId);
                    g.writeStringField("name", toolName);
                    g.writeObjectFieldStart("input");
                    g.writeEndObject();
                }
            }
            g.writeEndObject();
        });
    }

    private void closeBlock(Buffer out) {
        if (openBlock < 0) {
            return;
        }
        int index = openBlock;
        openBlock = -1;
        event(out, "content_block_stop", g -> {
            g.writeStringField("type", "content_block_stop");
            g.writeNumberField("index", index);
        });
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static void delta(Buffer out, int index, Body delta) {
        event(out, "content_block_delta", g -> {
            g.writeStringField("type", "content_block_delta");
            g.writeNumberField("index", index);
            g.writeObjectFieldStart("delta");
            delta.write(g);
            g.writeEndObject();
        });
    }

    private static void event(Buffer out, String name, Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(192);
        bytes.writeBytes(("event: " + name + "\ndata: ").getBytes(StandardCharsets.US_ASCII));
        try (JsonGenerator g = OpenAiJson.FACTORY.createGenerator(bytes)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bytes.write('\n');
        bytes.write('\n');
        out.appendBytes(bytes.toByteArray());
    }
}
