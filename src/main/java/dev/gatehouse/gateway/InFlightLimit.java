package dev.gatehouse.gateway;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * The most API calls this node serves at once. Beyond it a call is refused at its first byte
 * with a 503 and Retry-After, before its body is read: under a flood the node sheds what it cannot
 * hold instead of growing its memory until the JVM dies, and a load balancer or SDK retries
 * elsewhere or later. One shared counter: an atomic increment and decrement per call.
 *
 * <p>The same counter tells a stopping node when its calls are done: after {@link #drain()} no
 * call is admitted any more, and {@link #awaitIdle} waits for the ones in flight to end.
 */
public final class InFlightLimit {
    /** Short: the calls in flight finish in seconds, and an SDK waits at least this long. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(1);
    /** How often a drain looks at the counter: on the stopping thread only, never on the calls' path. */
    private static final long IDLE_POLL_MILLIS = 20;

    private final IntSupplier max;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean draining;

    /** @param max the limit in force (read per call, so a config reload applies to the next call) */
    public InFlightLimit(IntSupplier max) {
        this.max = max;
    }

    /**
     * Takes a slot, or returns false when all are taken (counted) or the node is draining; a taken
     * slot must be {@link #release}d. {@link #refusal()} says what to answer a refused call.
     */
    public boolean tryAcquire() {
        return acquire(false);
    }

    /**
     * As {@link #tryAcquire()} but admitted while draining: for a request the node sends itself on
     * behalf of a call in flight (a tool-loop round), which that call cannot finish without.
     */
    public boolean tryAcquireWhileDraining() {
        return acquire(true);
    }

    private boolean acquire(boolean evenWhileDraining) {
        // Counted first, then the drain flag read: a drain that began before this call saw its
        // count and waits for it, or this call sees the flag and backs out. Never neither.
        boolean over = inFlight.incrementAndGet() > max.getAsInt();
        if (over || !evenWhileDraining && draining) {
            inFlight.decrementAndGet();
            if (over) {
                refused.incrementAndGet();
            }
            return false;
        }
        return true;
    }

    public void release() {
        inFlight.decrementAndGet();
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Calls refused since start because the limit was reached (a drain refusing calls is not counted). */
    public long refused() {
        return refused.get();
    }

    /** From now on no call is admitted: the node is stopping. */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /**
     * Waits until no call is in flight or {@code timeout} has passed; true when none is left.
     * Meant for after {@link #drain()} (otherwise new calls may keep the count up).
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            Thread.sleep(Math.min(IDLE_POLL_MILLIS, Math.max(1, left / 1_000_000)));
        }
        return true;
    }

    /** What a call refused by {@link #tryAcquire()} gets, in its own format. */
    public GatewayException refusal() {
        return draining ? stopping() : overloaded();
    }

    /** What a refused caller gets, in its own format. */
    public static GatewayException overloaded() {
        return new GatewayException(ErrorType.UNAVAILABLE,
                "The gateway is at its limit of calls in flight (server.max-in-flight). Retry after the delay in Retry-After.",
                null, "overloaded", RETRY_AFTER, 0);
    }

    /** What a call that reaches a stopping node gets: a retry lands on another node (its connection is closed). */
    public static GatewayException stopping() {
        return new GatewayException(ErrorType.UNAVAILABLE,
                "This gateway node is shutting down and takes no new calls. Retry after the delay in Retry-After.",
                null, "draining", RETRY_AFTER, 0);
    }
}
