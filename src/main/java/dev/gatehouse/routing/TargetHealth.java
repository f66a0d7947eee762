package dev.gatehouse.routing;

/**
 * What the gateway learns about each target from live traffic, shared by all requests: the
 * executor reports every attempt, the router reads it to order and filter plans (circuit
 * breakers, least-latency, least-busy, usage-aware). Every method is called on event loops and
 * must be lock-free and cheap.
 */
public interface TargetHealth {

    /** How an attempt ended, as far as the target's health is concerned. */
    enum Outcome {
        /** The target answered. */
        SUCCESS,
        /** The target failed (5xx, overloaded, rate limited, timeout, connection, cut stream): counts against it. */
        FAILURE,
        /** Not the target's fault (bad request, content policy, caller went away): does not count. */
        NEUTRAL
    }

    /** An attempt on {@code target} begins (in-flight count +1). */
    void started(Target target);

    /**
     * The attempt ended (in-flight count -1).
     *
     * @param ttftNanos time to first byte, or 0 when none arrived
     * @param tokens input + output tokens, or 0 when unknown
     */
    void finished(Target target, Outcome outcome, long ttftNanos, long durationNanos, long tokens);

    /**
     * The first-byte deadline of an attempt on {@code target} starting now: the configured one, or
     * for a target without one, what was learned from its recent calls (see {@link FirstByteDeadline}).
     */
    default long firstByteDeadlineMillis(Target target) {
        return target.timeouts().firstByte().toMillis();
    }

    /** An attempt on {@code target} waited out its first-byte deadline of {@code deadlineMillis}. */
    default void firstByteMissed(Target target, long deadlineMillis) {}

    /** Whether the target's circuit lets a call through now (a half-open breaker admits one probe at a time). */
    boolean available(Target target);

    /**
     * Whether the target fails across the nodes of a cluster (their shared error counts), so plans
     * try it after the targets that do not. Cheap: one field read per target and plan.
     */
    default boolean failingAcrossNodes(Target target) {
        return false;
    }

    /** What is known about the target now (latency, load, usage, circuit): read by the strategies. */
    default TargetStatus status(Target target) {
        return TargetStatus.UNKNOWN;
    }

    /** Health that knows nothing and allows everything (tests, tools). */
    TargetHealth NONE = new TargetHealth() {
        @Override
        public void started(Target target) {}

        @Override
        public void finished(Target target, Outcome outcome, long ttftNanos, long durationNanos, long tokens) {}

        @Override
        public boolean available(Target target) {
            return true;
        }
    };
}
