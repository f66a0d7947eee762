package dev.gatehouse.limits;

import io.github.bucket4j.ConsumptionProbe;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis counters with the {@code local} outage policy: while Redis is unreachable, every bucket
 * and in-flight counter is this node's own, in memory, sized to its share of the limit (limit ÷
 * expected nodes). When Redis answers again the shared counters apply again, and what this node
 * admitted locally in the last minute is charged to them (once, from the probe thread), so the
 * cluster's window counts it: without that, each node could admit one more share in the minute
 * after recovery. A use {@code t} seconds old is charged {@code (60 - t) / 60} of its tokens, the
 * part a shared bucket (refilled evenly over a minute) would not have refilled yet.
 */
final class FallbackBuckets implements Buckets {
    private static final Logger LOG = LoggerFactory.getLogger(FallbackBuckets.class);
    static final long WINDOW_MILLIS = 60_000;

    private final RedisBuckets shared;
    private volatile MemoryBuckets local = new MemoryBuckets();
    private final RedisOutage outage;
    private final LongSupplier clock;
    /** Requests that took an in-flight slot locally, so they give it back locally. */
    private final Set<String> enteredLocally = ConcurrentHashMap.newKeySet();
    /** What each bucket admitted locally during the outage, to charge to Redis when it returns. */
    private final Map<String, LocalUse> usedLocally = new ConcurrentHashMap<>();

    FallbackBuckets(RedisBuckets shared, RedisOutage outage, LongSupplier clock) {
        this.shared = shared;
        this.outage = outage;
        this.clock = clock;
        outage.onRecovery(this::chargeLocalUse);
    }

    /** One bucket's local consumption: (time, tokens) pairs, a few per admitted call at most. */
    private static final class LocalUse {
        final long capacity;
        final ArrayDeque<long[]> uses = new ArrayDeque<>();

        LocalUse(long capacity) {
            this.capacity = capacity;
        }

        synchronized void add(long now, long tokens) {
            while (!uses.isEmpty() && now - uses.peekFirst()[0] >= WINDOW_MILLIS) {
                uses.pollFirst(); // refilled in Redis anyway by now
            }
            uses.addLast(new long[] {now, tokens});
        }

        /** The tokens the shared bucket would still miss now, had the uses been counted there. */
        synchronized long unrefilled(long now) {
            double owed = 0;
            for (long[] use : uses) {
                long age = Math.max(0, now - use[0]);
                if (age < WINDOW_MILLIS) {
                    owed += use[1] * (double) (WINDOW_MILLIS - age) / WINDOW_MILLIS;
                }
            }
            return Math.max(0, Math.round(owed));
        }
    }

    private void recordLocal(String key, long capacity, long tokens) {
        if (tokens != 0) { // a refund (negative) gives back what it had taken
            usedLocally.computeIfAbsent(key, k -> new LocalUse(capacity)).add(clock.getAsLong(), tokens);
        }
    }

    /**
     * After an outage: charges what was admitted locally to the shared buckets and starts the
     * next outage with fresh local buckets (their use is now counted in Redis).
     */
    private void chargeLocalUse() {
        long now = clock.getAsLong();
        int buckets = 0;
        long tokens = 0;
        for (String key : Set.copyOf(usedLocally.keySet())) {
            LocalUse use = usedLocally.remove(key);
            long owed = use == null ? 0 : use.unrefilled(now);
            if (owed > 0) {
                shared.charge(key, use.capacity, owed);
                buckets++;
                tokens += owed;
            }
        }
        local = new MemoryBuckets();
        if (buckets > 0) {
            LOG.info("charged what was admitted locally during the Redis outage to the shared limits: {} token(s) on {} bucket(s)",
                    tokens, buckets);
        }
    }

    /** The shared answer; the local one when Redis is (or turns out to be) unreachable. */
    private <T> CompletableFuture<T> either(Supplier<CompletableFuture<T>> sharedCall, Supplier<CompletableFuture<T>> localCall) {
        if (outage.active()) {
            return localCall.get();
        }
        return sharedCall.get().handle((v, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(v);
            }
            return outage.failed(error) ? localCall.get() : CompletableFuture.<T>failedFuture(error);
        }).thenCompose(f -> f);
    }

    @Override
    public CompletableFuture<ConsumptionProbe> tryConsume(String key, long capacity, long tokens) {
        return either(() -> shared.tryConsume(key, capacity, tokens), () -> {
            long share = outage.share(capacity);
            long taken = Math.min(tokens, share);
            return local.tryConsume(key, share, taken).thenApply(probe -> {
                if (probe.isConsumed()) {
                    recordLocal(key, capacity, taken);
                }
                return probe;
            });
        });
    }

    @Override
    public void refund(String key, long capacity, long tokens) {
        if (outage.active()) {
            local.refund(key, outage.share(capacity), tokens);
            recordLocal(key, capacity, -tokens);
        } else {
            shared.refund(key, capacity, tokens);
        }
    }

    @Override
    public void charge(String key, long capacity, long tokens) {
        if (outage.active()) {
            local.charge(key, outage.share(capacity), tokens);
            recordLocal(key, capacity, tokens);
        } else {
            shared.charge(key, capacity, tokens);
        }
    }

    @Override
    public CompletableFuture<Boolean> enter(String key, int max, String requestId) {
        return either(() -> shared.enter(key, max, requestId), () -> {
            int share = (int) outage.share(max);
            return local.enter(key, share, requestId).thenApply(entered -> {
                if (entered) {
                    enteredLocally.add(key + '\n' + requestId);
                }
                return entered;
            });
        });
    }

    @Override
    public void leave(String key, String requestId) {
        if (enteredLocally.remove(key + '\n' + requestId)) {
            local.leave(key, requestId);
        } else {
            shared.leave(key, requestId);
        }
    }

    @Override
    public CompletableFuture<Integer> inFlight(String key) {
        return either(() -> shared.inFlight(key), () -> local.inFlight(key));
    }

    @Override
    public void close() {
        shared.close();
        local.close();
    }
}
