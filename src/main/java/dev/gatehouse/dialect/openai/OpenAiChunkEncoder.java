package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.provider.StreamEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.OutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Canonical stream events to OpenAI {@code chat.completion.chunk} SSE events, one encoder per
 * stream. Every chunk carries the same id, created and model. Usage is held until {@link #done()}
 * so the caller gets exactly one usage chunk, right before {@code [DONE]}, as OpenAI sends it,
 * even when a provider reports usage in several pieces.
 */
public final class OpenAiChunkEncoder implements StreamEncoder {
    private static final Buffer EMPTY = Buffer.buffer(0);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final String fallbackModel;
    private final boolean includeUsage;
    private String id;
    private String model;
    private long created;
    private boolean started;
    private boolean finished;
    private Usage usage;

    /**
     * @param model the model name to show the caller when the upstream's stream names none (docs/api.md:
     *        answers name the model the upstream reports)
     * @param includeUsage whether the caller asked for {@code stream_options.include_usage}
     */
    public OpenAiChunkEncoder(String model, boolean includeUsage) {
        this.fallbackModel = model;
        this.includeUsage = includeUsage;
    }

    /**
     * An encoder that continues a stream the caller already has (after a failover mid-stream):
     * same id, model and created on every chunk, and no second role chunk.
     */
    public static OpenAiChunkEncoder resuming(String id, String model, long created, boolean includeUsage) {
        OpenAiChunkEncoder encoder = new OpenAiChunkEncoder(model, includeUsage);
        encoder.id = id;
        encoder.model = model;
        encoder.created = created;
        encoder.started = true;
        return encoder;
    }

    @Override
    public StreamEncoder resuming() {
        return resuming(id, model, created, includeUsage);
    }

    @Override
    public boolean finished() {
        return finished;
    }

    /** The stream's id (null before the first chunk). */
    public String id() {
        return id;
    }

    /** The model name shown on the stream's chunks (null before the first chunk). */
    public String model() {
        return model;
    }

    public long created() {
        return created;
    }

    /** Zero or more SSE events for one canonical event. */
    @Override
    public Buffer encode(StreamEvent event) {
        return switch (event) {
            case StreamEvent.Start s -> {
                if (started) {
                    yield EMPTY; // a continuation attempt restarted upstream; the caller already has a start
                }
                if (id == null) { // else a delta came first and already fixed the head
                    id = s.id() != null ? s.id() : newId();
                    model = s.model() != null ? s.model() : fallbackModel;
                    created = s.created() > 0 ? s.created() : System.currentTimeMillis() / 1000;
                }
                started = true;
                yield chunk(g -> {
                    g.writeStringField("role", "assistant");
                    g.writeStringField("content", "");
                }, null);
            }
            case StreamEvent.TextDelta t -> withStart(chunk(g -> g.writeStringField("content", t.text()), null));
            case StreamEvent.ReasoningDelta r -> EMPTY; // no OpenAI chat field for reasoning text
            case StreamEvent.ToolCallDelta d -> withStart(chunk(g -> {
                g.writeArrayFieldStart("tool_calls");
                g.writeStartObject();
                g.writeNumberField("index", d.index());
                if (d.id() != null) {
                    g.writeStringField("id", d.id());
                    g.writeStringField("type", "function");
                }
                g.writeObjectFieldStart("function");
                if (d.name() != null) {
                    g.writeStringField("name", d.name());
                }
                g.writeStringField("arguments", d.argumentsFragment() == null ? "" : d.argumentsFragment());
                g.writeEndObject();
                g.writeEndObject();
                g.writeEndArray();
            }, null));
            case StreamEvent.Finish f -> {
                finished = true;
                yield withStart(chunk(g -> {}, OpenAiResponseEncoder.finishReason(f.reason())));
            }
            case StreamEvent.UsageReport u -> {
                usage = u.usage();
                yield EMPTY;
            }
        };
    }

    /** The usage chunk (when asked for and known) followed by {@code data: [DONE]}. */
    @Override
    public Buffer done() {
        Buffer out = Buffer.buffer();
        if (includeUsage && usage != null) {
            ensureStarted(out);
            out.appendBuffer(event(g -> {
                writeHead(g);
                g.writeArrayFieldStart("choices");
                g.writeEndArray();
                g.writeFieldName("usage");
                OpenAiResponseEncoder.writeUsage(g, usage);
            }));
        }
        return out.appendBytes(DONE);
    }

    /** An in-band error event, for failures after the stream has started. */
    @Override
    public Buffer error(GatewayException e) {
        return OpenAiErrors.sseEvent(e);
    }

    /** The usage last reported, or null. */
    @Override
    public Usage usage() {
        return usage;
    }

    private Buffer withStart(Buffer chunk) {
        if (started) {
            return chunk;
        }
        Buffer out = Buffer.buffer();
        ensureStarted(out);
        return out.appendBuffer(chunk);
    }

    private void ensureStarted(Buffer out) {
        if (!started) {
            out.appendBuffer(encode(new StreamEvent.Start(null, null, 0)));
        }
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private Buffer chunk(Body delta, String finishReason) {
        if (!started && id == null) {
            // A delta before any Start: fix the head now so the start chunk and this one agree.
            id = newId();
            model = fallbackModel;
            created = System.currentTimeMillis() / 1000;
        }
        return event(g -> {
            writeHead(g);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            g.writeObjectFieldStart("delta");
            delta.write(g);
            g.writeEndObject();
            g.writeNullField("logprobs");
            g.writeStringField("finish_reason", finishReason);
            g.writeEndObject();
            g.writeEndArray();
        });
    }

    private void writeHead(JsonGenerator g) throws IOException {
        g.writeStringField("id", id);
        g.writeStringField("object", "chat.completion.chunk");
        g.writeNumberField("created", created);
        g.writeStringField("model", model);
    }

    /** One SSE event written straight into the buffer the caller gets (no intermediate array, no copy). */
    private static Buffer event(Body body) {
        BufferInternal buffer = BufferInternal.buffer(256);
        ByteBuf bytes = buffer.unwrap();
        bytes.writeBytes(DATA);
        try (JsonGenerator g = OpenAiJson.FACTORY.createGenerator((OutputStream) new ByteBufOutputStream(bytes))) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bytes.writeByte('\n').writeByte('\n');
        return buffer;
    }

    private static String newId() {
        return "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
    }
}
