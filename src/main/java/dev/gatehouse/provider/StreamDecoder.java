package dev.gatehouse.provider;

import dev.gatehouse.canonical.StreamEvent;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * Turns a provider's streamed body into canonical events, chunk by chunk. Chunks may split lines
 * or events anywhere; the decoder keeps the partial tail until the next chunk.
 */
public interface StreamDecoder {
    /** Feeds one chunk; emits every event it completes. Throws {@link UpstreamException} on an in-band error. */
    void feed(Buffer chunk, Consumer<StreamEvent> out);

    /** The body ended. Returns true when the stream ended with the format's terminator. */
    boolean end(Consumer<StreamEvent> out);
}
