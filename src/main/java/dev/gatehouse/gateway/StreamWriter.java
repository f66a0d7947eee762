package dev.gatehouse.gateway;

import dev.gatehouse.provider.UpstreamResponse;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes one caller stream, once its head is decided. Two jobs:
 *
 * <p><b>Fewer writes.</b> Each write to the caller's response is a trip through the HTTP encoder
 * and a flush, i.e. a {@code writev} system call, and on loopback a send runs the receiver's TCP
 * stack too. Chunks that arrive together (several SSE events of one upstream read, the last
 * content and the end of a stream) are therefore held until the event loop has handled the
 * upstream's read and then written as one: the flush runs as a task of the current event-loop turn,
 * after its I/O, so nothing waits for a timer. The first chunk of a turn is kept by reference; only
 * a second one copies (into one buffer for the turn). A turn holds at most {@link #COALESCE_BYTES}.
 *
 * <p><b>Back-pressure.</b> When the caller's socket stops taking bytes (the response's write queue
 * is full), the upstream read is paused, and resumed when the queue drains. What a stream whose
 * caller stopped reading holds is then bounded by the write queue, the socket buffers and the
 * upstream's paused read, not by the answer's length.
 *
 * <p>Every write of the stream goes through here (the end and an in-band error too), so the order
 * of the bytes is kept.
 */
final class StreamWriter {
    /** The caller's write queue bound: a few SSE chunks, enough to keep a reading caller's socket busy. */
    static final int WRITE_QUEUE_BYTES = 64 * 1024;
    /**
     * Bytes held for one turn at most. Only small chunks (SSE events) are joined, in a buffer of
     * exactly this size: joining large ones into growing buffers made each stalled stream hold twice
     * the heap (StalledReadersStressTest), and a large chunk pays for its own write anyway.
     */
    static final int COALESCE_BYTES = 4 * 1024;
    /**
     * Bytes a stream may hold back before its answer begins (see Execution#held): an upstream that
     * sends nothing but openings is committed to rather than buffered for ever.
     */
    static final int MAX_HELD_BYTES = 256 * 1024;

    private final HttpServerResponse out;
    private final Context context;
    private final Handler<Void> flushTask = v -> flush();
    private UpstreamResponse paused;
    /** What this turn wrote so far and is not flushed yet (null: nothing). */
    private Buffer pending;
    /** Whether {@link #pending} is our own copy (appendable) rather than a chunk held by reference. */
    private boolean pendingOwned;
    private UpstreamResponse pendingUpstream;
    private boolean flushScheduled;

    StreamWriter(HttpServerResponse out) {
        this.out = out;
        this.context = Vertx.currentContext();
        out.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
        out.drainHandler(v -> resume());
    }

    /** Writes {@code bytes} to the caller before this event-loop turn ends; {@code upstream} is paused if the caller falls behind. */
    void write(Buffer bytes, UpstreamResponse upstream) {
        if (bytes.length() == 0) {
            return;
        }
        if (pending != null && pending.length() + bytes.length() > COALESCE_BYTES) {
            flush(); // no room: what is held goes first
        }
        pendingUpstream = upstream;
        if (pending == null) {
            pending = bytes;
            pendingOwned = false;
        } else {
            if (!pendingOwned) {
                pending = Buffer.buffer(COALESCE_BYTES).appendBuffer(pending);
                pendingOwned = true;
            }
            pending.appendBuffer(bytes);
        }
        if (pending.length() >= COALESCE_BYTES || context == null) {
            flush();
        } else if (!flushScheduled) {
            flushScheduled = true;
            context.runOnContext(flushTask);
        }
    }

    /** Ends the stream with what is held and {@code tail}: one write. */
    void end(Buffer tail) {
        boolean owned = pendingOwned;
        Buffer all = take();
        if (all == null) {
            all = tail;
        } else if (tail.length() > 0) {
            all = owned ? all.appendBuffer(tail) : Buffer.buffer(all.length() + tail.length()).appendBuffer(all).appendBuffer(tail);
        }
        out.end(all);
    }

    /** Writes what this turn held. */
    void flush() {
        flushScheduled = false;
        UpstreamResponse upstream = pendingUpstream;
        Buffer bytes = take();
        if (bytes == null || out.ended() || out.closed()) {
            return; // the caller left (or the stream ended): nothing is waiting for these bytes
        }
        out.write(bytes);
        if (upstream != null && out.writeQueueFull() && paused == null) {
            paused = upstream;
            upstream.pause();
        }
    }

    private Buffer take() {
        Buffer bytes = pending;
        pending = null;
        pendingUpstream = null;
        return bytes;
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
        pendingUpstream = null;
    }
}
