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
 */
public final class InFlightLimit {
    /** Short: the calls in flight finish in seconds, and an SDK waits at least this long. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final IntSupplier max;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();

    /** @param max the limit in force (read per call, so a config reload applies to the next call) */
    public InFlightLimit(IntSupplier max) {
        this.max = max;
    }

    /** Takes a slot, or returns false (counted) when all are taken; a taken slot must be {@link #release}d. */
    public boolean tryAcquire() {
        if (inFlight.incrementAndGet() > max.getAsInt()) {
            inFlight.decrementAndGet();
            refused.incrementAndGet();
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

    /** Calls refused since start. */
    public long refused() {
        return refused.get();
    }

    /** What a refused caller gets, in its own format. */
    public static GatewayException overloaded() {
        return new GatewayException(ErrorType.UNAVAILABLE,
                "The gateway is at its limit of calls in flight (server.max-in-flight). Retry after the delay in Retry-After.",
                null, "overloaded", RETRY_AFTER, 0);
    }
}
