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
 * node saw fail is avoided by all; and what the others measured (latency, load, usage) is merged
 * into {@link #status} ({@link #peerStats}, from {@link SharedStats}), so least-latency,
 * least-busy and usage-aware routing on every node see what all nodes saw.
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
        /** The other nodes' figures, replaced as a whole each time they are read (null: none, or Redis unreachable). */
        volatile PeerStats peers;
        /**
         * The target fails across the cluster (this node's calls and the others' in the last minute,
         * at the breaker's failure rate over at least its window): set with each exchange, read per plan.
         */
        volatile boolean failingAcrossNodes;
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
        long now = clock.millis();
        entry.stats.finished(outcome == Outcome.SUCCESS, ttftNanos, durationNanos, tokens, now);
        if (outcome != Outcome.NEUTRAL) {
            entry.stats.judged(outcome == Outcome.FAILURE, now);
        }
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

    /**
     * What the whole cluster knows of the target: this node's figures merged with the other nodes'
     * (averages weighted by each node's calls in the last minute, counts summed). The breaker and
     * the first-byte deadline are this node's own.
     */
    @Override
    public TargetStatus status(Target target) {
        Entry entry = entries.get(target.key());
        if (entry == null) {
            return TargetStatus.UNKNOWN;
        }
        long now = clock.millis();
        TargetStats s = entry.stats;
        TargetBreaker b = entry.breaker;
        long requests = s.requestsLastMinute(now);
        long tokens = s.tokensLastMinute(now);
        int inFlight = s.inFlight();
        long ttft = s.ttftNanos();
        long duration = s.durationNanos();
        PeerStats peers = entry.peers;
        if (peers != null) {
            long weight = Math.max(1, requests);
            ttft = PeerStats.mean(ttft, ttft > 0 ? weight : 0, peers.ttftNanos(), peers.ttftWeight());
            duration = PeerStats.mean(duration, duration > 0 ? weight : 0, peers.durationNanos(), peers.durationWeight());
            inFlight += peers.inFlight();
            requests += peers.requestsLastMinute();
            tokens += peers.tokensLastMinute();
        }
        return new TargetStatus(inFlight, ttft, duration, requests, tokens, b == null ? TargetStatus.Circuit.CLOSED : b.circuit(),
                b == null ? 0 : b.openedAtMillis(), b == null ? -1 : b.failureRatePercent(), firstByteDeadlineMillis(target));
    }

    /**
     * True when, counting every node's calls of the last minute (as of the last exchange with the
     * others, once a second), the target failed at least the breaker's {@code failure-rate} over at
     * least half its {@code window} of calls (the least a breaker judges a rate on): the router then tries it after the targets that do not,
     * on every node, even before any one node has seen enough failures to open its breaker. False
     * without shared statistics (no Redis, or Redis unreachable): each node's breaker judges alone.
     */
    @Override
    public boolean failingAcrossNodes(Target target) {
        Entry entry = entries.get(target.key());
        return entry != null && entry.failingAcrossNodes;
    }

    /** Judges {@link #failingAcrossNodes} for one target from this node's and the others' counts. */
    private void judge(Entry entry, PeerStats peers) {
        if (peers == null) {
            entry.failingAcrossNodes = false;
            return;
        }
        long now = clock.millis();
        long judged = entry.stats.judgedLastMinute(now) + peers.judgedLastMinute();
        long failed = entry.stats.failuresLastMinute(now) + peers.failuresLastMinute();
        RoutingConfig.CircuitBreaker breaker = settings.get();
        // The breaker's own minimum (half its window, as each node's breaker counts): a cluster of
        // nodes each below it still sees the whole.
        entry.failingAcrossNodes = breaker.failureRatePercent() > 0 && judged >= Math.max(1, breaker.window() / 2)
                && failed * 100 >= (long) breaker.failureRatePercent() * judged;
    }

    /** This node's own figures for each target it has called, for the other nodes ({@link SharedStats}). */
    void forEachLocal(LocalFigures each) {
        long now = clock.millis();
        entries.forEach((key, entry) -> {
            TargetStats s = entry.stats;
            long requests = s.requestsLastMinute(now);
            if (requests > 0 || s.inFlight() > 0) { // idle for a minute: nothing worth telling
                each.accept(key, s.ttftNanos(), s.durationNanos(), s.inFlight(), requests, s.tokensLastMinute(now),
                        s.judgedLastMinute(now), s.failuresLastMinute(now));
            }
        });
    }

    interface LocalFigures {
        void accept(String targetKey, long ttftNanos, long durationNanos, int inFlight, long requests, long tokens, long judged,
                long failed);
    }

    /**
     * Sets what the other nodes measured of a target (null: forget it, as when Redis cannot be
     * reached: each node then routes on its own calls). Only targets configured here are kept.
     */
    void peerStats(String targetKey, PeerStats peers) {
        Entry entry = entries.get(targetKey);
        if (entry == null) {
            if (peers == null) {
                return;
            }
            entry = entries.computeIfAbsent(targetKey, k -> new Entry());
        }
        entry.peers = peers;
        judge(entry, peers);
    }

    /** The targets this node knows, for {@link SharedStats} to read the others' figures of. */
    Set<String> knownTargets() {
        return Set.copyOf(entries.keySet());
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
