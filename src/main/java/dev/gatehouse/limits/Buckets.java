package dev.gatehouse.limits;

import io.github.bucket4j.ConsumptionProbe;
import java.util.concurrent.CompletableFuture;

/**
 * Where the counters live: per-minute token buckets (bucket4j, greedy refill: a limit of 60 per
 * minute refills one every second, not 60 at the top of the minute) and in-flight counters. One
 * implementation in process memory, one in Redis; {@link Limiter} holds the logic common to both.
 * Futures complete without blocking; the in-memory ones are already complete.
 */
interface Buckets extends AutoCloseable {
    /** Takes {@code tokens} from the bucket {@code key} of {@code capacity} per minute, if there are enough. */
    CompletableFuture<ConsumptionProbe> tryConsume(String key, long capacity, long tokens);

    /** Gives tokens back (an overestimate corrected, or an admission undone); never above capacity. */
    void refund(String key, long capacity, long tokens);

    /** Takes tokens even if the bucket goes into debt (an underestimate corrected after the fact). */
    void charge(String key, long capacity, long tokens);

    /** Enters a slot of {@code key} if fewer than {@code max} are taken. */
    CompletableFuture<Boolean> enter(String key, int max, String requestId);

    /** Leaves the slot entered by {@code requestId}. */
    void leave(String key, String requestId);

    /** Slots of {@code key} now taken (for headers and tests). */
    CompletableFuture<Integer> inFlight(String key);

    @Override
    default void close() {}
}
