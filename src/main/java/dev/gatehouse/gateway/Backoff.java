package dev.gatehouse.gateway;

import dev.gatehouse.config.RoutingConfig;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential back-off with full jitter (a uniformly random wait between zero and the capped
 * exponential), which spreads retries of many callers instead of synchronising them.
 */
final class Backoff {
    private Backoff() {}

    /** The wait before retry number {@code retry} (0 for the first retry). */
    static long delayMillis(RoutingConfig.Retries retries, int retry) {
        long base = retries.baseDelay().toMillis();
        long cap = retries.maxDelay().toMillis();
        long exponential = retry >= 30 ? cap : Math.min(cap, base << retry);
        return exponential <= 0 ? 0 : ThreadLocalRandom.current().nextLong(exponential + 1);
    }

    /** The provider's Retry-After when it asked for one, but never shorter than the back-off. */
    static long delayMillis(RoutingConfig.Retries retries, int retry, Duration retryAfter) {
        long backoff = delayMillis(retries, retry);
        return retryAfter == null ? backoff : Math.max(backoff, retryAfter.toMillis());
    }
}
