package dev.gatehouse.http;

import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every HTTP request this node is answering, whatever its kind: API calls, {@code /mcp} tool calls,
 * admin changes, console pages. A stopping node waits for them all (not only the API calls the
 * in-flight limit counts), so an MCP tool call or an admin write that arrived before the drain is
 * answered, not cut. Health checks and metric scrapes are not counted: probes keep coming while a
 * node drains and would keep the count from reaching zero. One atomic increment and decrement
 * per request.
 */
public final class OpenRequests {
    /** How often a drain looks at the count: on the stopping thread only. */
    private static final long IDLE_POLL_MILLIS = 20;

    private final AtomicInteger open = new AtomicInteger();

    /** Counts the request until its answer ends or its connection closes. */
    void track(RoutingContext ctx) {
        String path = ctx.request().path();
        if (path.startsWith("/health") || path.startsWith("/metrics")) {
            return;
        }
        open.incrementAndGet();
        ctx.addEndHandler(done -> open.decrementAndGet());
    }

    public int open() {
        return open.get();
    }

    /** Waits until no request is open or {@code timeout} has passed; true when none is left. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (open.get() > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            Thread.sleep(Math.min(IDLE_POLL_MILLIS, Math.max(1, left / 1_000_000)));
        }
        return true;
    }
}
