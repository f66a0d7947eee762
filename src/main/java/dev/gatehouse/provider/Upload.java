package dev.gatehouse.provider;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * A request body too large to hold in memory (an audio or image upload), written upstream as a
 * stream with back-pressure. It can be written once per attempt, so a failed attempt's fallback
 * sends it again.
 */
public interface Upload {
    /** The body's exact length in bytes (sent as Content-Length). */
    long length();

    /** Writes the whole body to {@code out} (without ending it); completes when the last byte was handed over. */
    Future<Void> writeTo(WriteStream<Buffer> out);
}
