package dev.gatehouse.api.openai;


import dev.gatehouse.dialect.openai.OpenAiChunkEncoder;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.provider.StreamDecoder;
import io.vertx.core.buffer.Buffer;

/**
 * A relay that decodes another format's stream into canonical events and writes them as OpenAI
 * chunks. Subclasses decide what each event becomes ({@link #accept}); the chunk plumbing, the
 * terminator and usage live here once.
 */
abstract class EncodingRelay implements CallerFormat.StreamRelay, Resumable {
    private final StreamDecoder decoder;
    protected final OpenAiChunkEncoder encoder;
    private boolean finished;
    private Buffer pending;

    EncodingRelay(StreamDecoder decoder, OpenAiChunkEncoder encoder) {
        this.decoder = decoder;
        this.encoder = encoder;
    }

    /** Handles one decoded event, usually by {@link #emit emitting} it. */
    protected abstract void accept(StreamEvent event);

    /** Writes an event to the caller's stream; a Finish marks the answer complete. */
    protected final void emit(StreamEvent event) {
        if (event instanceof StreamEvent.Finish) {
            finished = true;
        }
        pending.appendBuffer(encoder.encode(event));
    }

    @Override
    public final Buffer relay(Buffer upstreamChunk) {
        pending = Buffer.buffer();
        decoder.feed(upstreamChunk, this::accept);
        return pending;
    }

    @Override
    public final Buffer end() {
        pending = Buffer.buffer();
        decoder.end(this::accept);
        return finished ? pending.appendBuffer(encoder.done()) : pending;
    }

    @Override
    public final boolean complete() {
        return finished;
    }

    @Override
    public final Buffer error(GatewayException error) {
        return encoder.error(error);
    }

    @Override
    public final Usage usage() {
        return encoder.usage();
    }
}
