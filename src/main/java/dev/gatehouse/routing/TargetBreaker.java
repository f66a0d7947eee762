package dev.gatehouse.routing;

import dev.gatehouse.config.RoutingConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The circuit breaker of one target, shared by all requests. resilience4j's breaker does the
 * error-rate window, the cooldown and the half-open probe; this class adds what it lacks:
 * opening on N consecutive failures, remembering when it opened (to pick the least-bad target
 * when all are open) and recovering a probe that was planned but never sent.
 */
final class TargetBreaker {
    /** The probe's outcome decides: one call in half-open. */
    private static final int PROBES = 1;

    final RoutingConfig.CircuitBreaker settings;
    private final CircuitBreaker breaker;
    private final Clock clock;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicLong openedAtMillis = new AtomicLong();
    /** When the outstanding half-open probe was handed out, 0 when none is. */
    private final AtomicLong probeSince = new AtomicLong();

    private final String name;
    private final BreakerEvents events;

    TargetBreaker(String name, RoutingConfig.CircuitBreaker settings, Clock clock) {
        this(name, settings, clock, BreakerEvents.NONE);
    }

    TargetBreaker(String name, RoutingConfig.CircuitBreaker settings, Clock clock, BreakerEvents events) {
        this.settings = settings;
        this.clock = clock;
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindow(settings.window(), Math.max(1, settings.window() / 2), SlidingWindowType.COUNT_BASED,
                        SlidingWindowSynchronizationStrategy.LOCK_FREE)
                .failureRateThreshold(settings.failureRatePercent())
                .waitDurationInOpenState(settings.cooldown())
                .permittedNumberOfCallsInHalfOpenState(PROBES)
                // Open → half-open happens when the next request asks, not on a timer thread.
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                // Slow calls are the latency strategies' business, not a reason to open.
                .slowCallRateThreshold(100)
                .slowCallDurationThreshold(Duration.ofDays(1))
                .clock(clock)
                .build();
        this.breaker = CircuitBreaker.of(name, config);
        this.name = name;
        this.events = events;
    }

    /**
     * Notes a state change that a call on the breaker made. The breaker's own event publisher is not
     * used for this: with any listener registered, resilience4j builds an event object (with a
     * timestamp) for every success and error, on every request; comparing the state before and after
     * costs two volatile reads. Concurrent callers may both see one change; announcing it twice is
     * harmless (peers ignore an open for an open breaker).
     */
    private void observe(CircuitBreaker.State before, boolean announce) {
        CircuitBreaker.State after = breaker.getState();
        if (after != before) {
            entered(after, announce);
        }
    }

    private void entered(CircuitBreaker.State state, boolean announce) {
        if (state == CircuitBreaker.State.OPEN) {
            openedAtMillis.set(clock.millis());
        }
        if (state != CircuitBreaker.State.HALF_OPEN) {
            probeSince.set(0);
        }
        if (announce) {
            switch (state) {
                case OPEN -> events.opened(name);
                case CLOSED -> events.closed(name);
                default -> { }
            }
        }
    }

    /**
     * Another node's breaker for this target opened (it saw the failures): open here too, so this
     * node avoids the target without paying for the failures itself. The cooldown and the
     * half-open probe then run as if it had opened here.
     */
    void peerOpened() {
        CircuitBreaker.State before = breaker.getState();
        if (before == CircuitBreaker.State.CLOSED) {
            consecutiveFailures.set(0);
            breaker.transitionToOpenState();
            observe(before, false);
        }
    }

    /** Another node's probe succeeded: the target answers again. */
    void peerClosed() {
        CircuitBreaker.State before = breaker.getState();
        if (before == CircuitBreaker.State.OPEN || before == CircuitBreaker.State.HALF_OPEN) {
            breaker.transitionToClosedState();
            observe(before, false);
        }
    }

    /**
     * Whether a call may go to this target now. Closed: yes. Open: no until the cooldown passed,
     * then the breaker turns half-open and hands out one probe. A probe handed out longer ago
     * than {@code probeTimeout} was never sent or never reported (planned behind a target that
     * answered): it is taken back so the breaker cannot stay half-open forever.
     */
    boolean tryAcquire(Duration probeTimeout) {
        long since = probeSince.get();
        if (since != 0 && breaker.getState() == CircuitBreaker.State.HALF_OPEN
                && clock.millis() - since > probeTimeout.toMillis() && probeSince.compareAndSet(since, 0)) {
            breaker.releasePermission();
        }
        CircuitBreaker.State before = breaker.getState();
        boolean permitted = breaker.tryAcquirePermission();
        observe(before, true);
        if (!permitted) {
            return false;
        }
        if (breaker.getState() == CircuitBreaker.State.HALF_OPEN) {
            probeSince.set(Math.max(1, clock.millis()));
        }
        return true;
    }

    void success(long durationNanos) {
        consecutiveFailures.set(0);
        probeSince.set(0);
        CircuitBreaker.State before = breaker.getState();
        if (before == CircuitBreaker.State.OPEN) {
            // The least-bad target answered while open: that is the best probe there is.
            breaker.transitionToClosedState();
        } else {
            breaker.onSuccess(durationNanos, TimeUnit.NANOSECONDS);
        }
        observe(before, true);
    }

    void failure(long durationNanos) {
        probeSince.set(0);
        CircuitBreaker.State state = breaker.getState();
        if (state == CircuitBreaker.State.OPEN) {
            // Tried as the least-bad while open and failed again: restart its cooldown, so the
            // next all-open request tries another target first. resilience4j has no open → open
            // transition, so it passes through half-open (a concurrent request may take that probe:
            // harmless, it is one more call to a target that was being tried anyway).
            breaker.transitionToHalfOpenState();
            breaker.transitionToOpenState();
            entered(CircuitBreaker.State.OPEN, true);
            return;
        }
        breaker.onError(durationNanos, TimeUnit.NANOSECONDS, FAILED);
        if (consecutiveFailures.incrementAndGet() >= settings.consecutiveFailures()
                && breaker.getState() == CircuitBreaker.State.CLOSED) {
            breaker.transitionToOpenState();
        }
        observe(state, true);
    }

    /** Not the target's fault: a probe that ended so tells nothing, so another may go. */
    void neutral() {
        long since = probeSince.get();
        if (since != 0 && probeSince.compareAndSet(since, 0) && breaker.getState() == CircuitBreaker.State.HALF_OPEN) {
            breaker.releasePermission();
        }
    }

    TargetStatus.Circuit circuit() {
        return switch (breaker.getState()) {
            case OPEN, FORCED_OPEN -> TargetStatus.Circuit.OPEN;
            case HALF_OPEN -> TargetStatus.Circuit.HALF_OPEN;
            default -> TargetStatus.Circuit.CLOSED;
        };
    }

    long openedAtMillis() {
        return openedAtMillis.get();
    }

    float failureRatePercent() {
        return breaker.getMetrics().getFailureRate();
    }

    int consecutiveFailures() {
        return consecutiveFailures.get();
    }

    /** A shared marker: resilience4j wants a Throwable per error; building one per failure would cost a stack trace. */
    private static final Throwable FAILED = new Throwable("target failed", null, false, false) {};
}
