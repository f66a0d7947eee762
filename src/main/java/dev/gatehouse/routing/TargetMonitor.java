package dev.gatehouse.routing;

import dev.gatehouse.config.RoutingConfig;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The gateway's {@link TargetHealth}: statistics and a circuit breaker per target, keyed by
 * {@link Target#key()} so they survive config reloads for targets that still exist. Breaker
 * settings are read from the live config; a reload that changes them replaces the breakers
 * (their state is lost, their statistics are not). With several nodes, breaker transitions are
 * announced ({@link #announceTo}) and applied from the others ({@link #peer}), so a target one
 * node saw fail is avoided by all.
 */
public final class TargetMonitor implements TargetHealth {
    private final Supplier<RoutingConfig.CircuitBreaker> settings;
    private final Supplier<RoutingConfig.AdaptiveFirstByte> firstByte;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private volatile BreakerEvents events = BreakerEvents.NONE;

    private static final class Entry {
        final TargetStats stats = new TargetStats();
        final FirstByteDeadline firstByte = new FirstByteDeadline();
        volatile TargetBreaker breaker;
    }

    /**
     * @param settings the breaker settings in force (read per call: one volatile read and an equals on reload)
     * @param firstByte the adaptive first-byte settings in force
     */
    public TargetMonitor(Supplier<RoutingConfig.CircuitBreaker> settings, Supplier<RoutingConfig.AdaptiveFirstByte> firstByte,
            Clock clock) {
        this.settings = settings;
        this.firstByte = firstByte;
        this.clock = clock;
    }

    public TargetMonitor(Supplier<RoutingConfig.CircuitBreaker> settings, Clock clock) {
        this(settings, () -> RoutingConfig.AdaptiveFirstByte.DEFAULTS, clock);
    }

    public TargetMonitor(Supplier<RoutingConfig.CircuitBreaker> settings, Supplier<RoutingConfig.AdaptiveFirstByte> firstByte) {
        this(settings, firstByte, Clock.systemUTC());
    }

    public TargetMonitor(Supplier<RoutingConfig.CircuitBreaker> settings) {
        this(settings, Clock.systemUTC());
    }

    @Override
    public void started(Target target) {
        entry(target).stats.started(clock.millis());
    }

    @Override
    public void finished(Target target, Outcome outcome, long ttftNanos, long durationNanos, long tokens) {
        Entry entry = entry(target);
        entry.stats.finished(outcome == Outcome.SUCCESS, ttftNanos, durationNanos, tokens, clock.millis());
        if (outcome == Outcome.SUCCESS && ttftNanos > 0) {
            entry.firstByte.record(ttftNanos / 1_000_000, firstByte.get());
        }
        TargetBreaker breaker = breaker(target.key(), entry);
        switch (outcome) {
            case SUCCESS -> breaker.success(durationNanos);
            case FAILURE -> breaker.failure(durationNanos);
            case NEUTRAL -> breaker.neutral();
        }
    }

    @Override
    public long firstByteDeadlineMillis(Target target) {
        long configured = target.timeouts().firstByte().toMillis();
        if (!target.learnsFirstByte()) {
            return configured;
        }
        Entry entry = entries.get(target.key());
        return entry == null ? configured : entry.firstByte.deadlineMillis(configured, firstByte.get());
    }

    @Override
    public void firstByteMissed(Target target, long deadlineMillis) {
        entry(target).firstByte.record(deadlineMillis, firstByte.get());
    }

    @Override
    public boolean available(Target target) {
        return breaker(target.key(), entry(target)).tryAcquire(target.timeouts().total());
    }

    @Override
    public TargetStatus status(Target target) {
        Entry entry = entries.get(target.key());
        if (entry == null) {
            return TargetStatus.UNKNOWN;
        }
        long now = clock.millis();
        TargetStats s = entry.stats;
        TargetBreaker b = entry.breaker;
        return new TargetStatus(s.inFlight(), s.ttftNanos(), s.durationNanos(), s.requestsLastMinute(now),
                s.tokensLastMinute(now), b == null ? TargetStatus.Circuit.CLOSED : b.circuit(),
                b == null ? 0 : b.openedAtMillis(), b == null ? -1 : b.failureRatePercent(), firstByteDeadlineMillis(target));
    }

    /** Where this node's breaker transitions are announced (other nodes), from now on. */
    public void announceTo(BreakerEvents events) {
        this.events = events;
    }

    /**
     * Applies another node's breaker transition for a target. A target this node has not called
     * yet gets its breaker now, so it is avoided from its first call; one not configured here is
     * forgotten at the next reload ({@link #retain}).
     */
    public void peer(String targetKey, boolean open) {
        Entry entry = entries.get(targetKey);
        if (entry == null && !open) {
            return; // nothing here to close
        }
        TargetBreaker breaker = breaker(targetKey, entry != null ? entry : entries.computeIfAbsent(targetKey, k -> new Entry()));
        if (open) {
            breaker.peerOpened();
        } else {
            breaker.peerClosed();
        }
    }

    /** Forgets targets no longer configured (call after a reload); those still configured keep their state. */
    public void retain(Set<String> keys) {
        entries.keySet().retainAll(keys);
    }

    private Entry entry(Target target) {
        Entry entry = entries.get(target.key());
        return entry != null ? entry : entries.computeIfAbsent(target.key(), k -> new Entry());
    }

    private TargetBreaker breaker(String key, Entry entry) {
        RoutingConfig.CircuitBreaker wanted = settings.get();
        TargetBreaker breaker = entry.breaker;
        if (breaker == null || !breaker.settings.equals(wanted)) {
            synchronized (entry) { // once per target and config change, never on the steady path
                breaker = entry.breaker;
                if (breaker == null || !breaker.settings.equals(wanted)) {
                    breaker = new TargetBreaker(key, wanted, clock, events);
                    entry.breaker = breaker;
                }
            }
        }
        return breaker;
    }
}
