package dev.gatehouse.api.media;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import dev.gatehouse.gateway.CallerFormat;
import io.vertx.core.buffer.Buffer;

/**
 * Relays a media stream as it arrives (speech audio, image or transcript events): the bytes are
 * the caller's already. An audio stream cannot carry an error, so one that breaks just ends; a
 * server-sent event stream gets OpenAI's error as its last event.
 */
final class PassthroughRelay implements CallerFormat.StreamRelay {
    private final boolean events;
    private boolean ended;

    /** @param events whether the stream is server-sent events (else raw bytes, e.g. audio) */
    PassthroughRelay(boolean events) {
        this.events = events;
    }

    @Override
    public Buffer relay(Buffer upstreamChunk) {
        return upstreamChunk;
    }

    @Override
    public Buffer end() {
        ended = true;
        return Buffer.buffer();
    }

    @Override
    public boolean complete() {
        return ended;
    }

    @Override
    public Buffer error(GatewayException error) {
        if (!events) {
            return Buffer.buffer();
        }
        return Buffer.buffer("event: error\ndata: ").appendBuffer(OpenAiErrors.body(error)).appendString("\n\n");
    }

    @Override
    public Usage usage() {
        return null;
    }
}
