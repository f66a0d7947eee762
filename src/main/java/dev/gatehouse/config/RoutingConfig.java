package dev.gatehouse.config;

import java.time.Duration;
import java.util.List;

/**
 * Gateway-wide routing and resilience settings (the {@code routing} section).
 *
 * @param fallbacks public models tried, in order, after a model's own targets and fallbacks failed
 * @param deadline the longest a request may take across all its attempts and back-offs
 * @param streamRecovery what to do when a stream breaks after bytes reached the caller:
 *     "continue" (resume on the next target with the partial answer as prefill, or restart and
 *     emit only the undelivered rest when it matches) or "fail" (end with an in-band error)
 */
public record RoutingConfig(List<String> fallbacks, Retries retries, CircuitBreaker circuitBreaker, Duration deadline,
        String streamRecovery, AdaptiveFirstByte adaptiveFirstByte) {

    public static final RoutingConfig DEFAULTS = new RoutingConfig(
            List.of(), Retries.DEFAULTS, CircuitBreaker.DEFAULTS, Duration.ofMinutes(15), "continue", AdaptiveFirstByte.DEFAULTS);

    public RoutingConfig {
        fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
        adaptiveFirstByte = adaptiveFirstByte == null ? AdaptiveFirstByte.DEFAULTS : adaptiveFirstByte;
    }

    public RoutingConfig(
            List<String> fallbacks, Retries retries, CircuitBreaker circuitBreaker, Duration deadline, String streamRecovery) {
        this(fallbacks, retries, circuitBreaker, deadline, streamRecovery, AdaptiveFirstByte.DEFAULTS);
    }

    /**
     * The first-byte deadline learned per target, for targets without a configured one: a
     * {@code multiple} of the {@code percentile} of its recent times to first byte, never below
     * {@code floor} nor above the built-in first-byte deadline; until {@code minSamples} calls
     * succeeded, the built-in deadline applies. The percentile is read over the last {@link #WINDOW} calls.
     */
    public record AdaptiveFirstByte(boolean enabled, int percentile, int multiple, Duration floor, int minSamples) {
        public static final int WINDOW = 128;
        public static final AdaptiveFirstByte DEFAULTS = new AdaptiveFirstByte(true, 95, 3, Duration.ofSeconds(5), 20);
    }

    /**
     * @param maxAttempts attempts per request across all targets and retries
     * @param sameTarget retries of a target after a transient error (a server error, an overload, a
     *     dropped connection, a rate limit whose Retry-After is within the cap)
     * @param baseDelay first back-off; each retry doubles it, with full jitter
     * @param maxDelay the largest back-off
     * @param retryAfterCap the longest a provider's Retry-After is honoured; longer → move on
     * @param prefer after a transient error: {@code same-target} retries the target (the model the
     *     caller asked for) before moving on; {@code next-target} moves on at once and retries a
     *     target only when it is the last one left
     */
    public record Retries(
            int maxAttempts, int sameTarget, Duration baseDelay, Duration maxDelay, Duration retryAfterCap, String prefer) {
        public static final String SAME_TARGET = "same-target";
        public static final String NEXT_TARGET = "next-target";
        public static final Retries DEFAULTS =
                new Retries(6, 1, Duration.ofMillis(200), Duration.ofSeconds(4), Duration.ofSeconds(2), SAME_TARGET);

        /** Whether a transient error is retried on its target even though other targets are left. */
        public boolean prefersSameTarget() {
            return !NEXT_TARGET.equals(prefer);
        }
    }

    /**
     * A breaker per target, shared by all requests.
     *
     * @param consecutiveFailures opens after this many failures in a row
     * @param failureRatePercent or when this share of the last {@code window} calls failed
     * @param window calls in the sliding window (at least half must have happened)
     * @param cooldown how long it stays open before letting a probe through
     * @param whenAllOpen "least-bad": try the target whose breaker opened longest ago; "fail": 503
     */
    public record CircuitBreaker(
            int consecutiveFailures, int failureRatePercent, int window, Duration cooldown, String whenAllOpen) {
        public static final CircuitBreaker DEFAULTS = new CircuitBreaker(5, 50, 20, Duration.ofSeconds(30), "least-bad");
    }
}
