package dev.gatehouse.provider;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import io.vertx.core.buffer.Buffer;

/**
 * Canonical stream events to one caller dialect's stream bytes, one encoder per stream. Each
 * dialect implements it once; the gateway's single translating relay drives it, so a new caller
 * format gets translation and mid-stream continuation by writing only its encoder.
 */
public interface StreamEncoder {
    /** Zero or more stream events for one canonical event. */
    Buffer encode(StreamEvent event);

    /** The closing bytes of a finished answer (usage, terminator). */
    Buffer done();

    /** An in-band error event, for failures after the stream has started. */
    Buffer error(GatewayException error);

    /** The usage last reported, or null. */
    Usage usage();

    /** Whether a finish event has been encoded. */
    boolean finished();

    /**
     * A fresh encoder that carries this stream on after a failover mid-stream: the same message
     * identity, no second opening, and neither finish nor usage of its own yet.
     */
    StreamEncoder resuming();
}
