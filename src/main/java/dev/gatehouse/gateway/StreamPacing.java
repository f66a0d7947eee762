package dev.gatehouse.gateway;

import dev.gatehouse.provider.UpstreamResponse;
import io.vertx.core.http.HttpServerResponse;

/**
 * Back-pressure for one caller stream: when the caller's socket stops taking bytes (the
 * response's write queue is full), the upstream read is paused, and resumed when the queue
 * drains. What a stream whose caller stopped reading holds is then bounded by the write queue,
 * the socket buffers and the upstream's paused read, not by the answer's length.
 */
final class StreamPacing {
    /** The caller's write queue bound: a few SSE chunks, enough to keep a reading caller's socket busy. */
    static final int WRITE_QUEUE_BYTES = 64 * 1024;
    /**
     * Bytes a stream may hold back before its answer begins (see Execution#held): an upstream that
     * sends nothing but openings is committed to rather than buffered for ever.
     */
    static final int MAX_HELD_BYTES = 256 * 1024;

    private final HttpServerResponse out;
    private UpstreamResponse paused;

    StreamPacing(HttpServerResponse out) {
        this.out = out;
        out.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
        out.drainHandler(v -> resume());
    }

    /** After a write: pauses {@code upstream} while the caller is not taking bytes (one check per chunk). */
    void wrote(UpstreamResponse upstream) {
        if (out.writeQueueFull() && paused == null) {
            paused = upstream;
            upstream.pause();
        }
    }

    private void resume() {
        UpstreamResponse resumed = paused;
        if (resumed != null) {
            paused = null;
            resumed.resume();
        }
    }

    /** The attempt that was paused is over (failed, cancelled): a drain must not resume it, nor block the next. */
    void forget() {
        paused = null;
    }
}
