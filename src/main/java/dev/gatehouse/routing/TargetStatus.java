package dev.gatehouse.routing;

/**
 * What is known about one target right now, as the strategies and the router read it.
 *
 * @param inFlight attempts started and not yet finished
 * @param ttftNanos moving average of time to first byte of successful attempts, 0 when none yet
 * @param durationNanos moving average of the duration of successful attempts, 0 when none yet
 * @param requestsLastMinute attempts started in the last 60 seconds
 * @param tokensLastMinute tokens (input + output) reported in the last 60 seconds
 * @param circuit closed, open or half-open
 * @param openedAtMillis when the breaker last opened (wall clock), 0 when it never did
 * @param failureRatePercent share of failed calls in the breaker's window, -1 when too few calls
 * @param firstByteDeadlineMillis the first-byte deadline a call would get now (learned or configured), 0 when unknown
 */
public record TargetStatus(int inFlight, long ttftNanos, long durationNanos, long requestsLastMinute, long tokensLastMinute,
        Circuit circuit, long openedAtMillis, float failureRatePercent, long firstByteDeadlineMillis) {

    public enum Circuit { CLOSED, OPEN, HALF_OPEN }

    /** Nothing known: a target never seen, or health that keeps no statistics. */
    public static final TargetStatus UNKNOWN = new TargetStatus(0, 0, 0, 0, 0, Circuit.CLOSED, 0, -1, 0);
}
