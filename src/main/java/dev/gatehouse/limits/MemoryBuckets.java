package dev.gatehouse.limits;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Single-node counters: bucket4j's lock-free local buckets and atomic in-flight counters. A bucket
 * idle for longer than {@link #IDLE} is dropped (a full bucket is the same as a new one, and a minute
 * refills any bucket). A plain concurrent map with a sweep every {@link #IDLE} rather than a cache
 * with access-order expiry: the cache recorded every read in its buffers, which cost more on the
 * call's path than the bucket itself; here a read stamps one field.
 */
final class MemoryBuckets implements Buckets {
    static final Duration IDLE = Duration.ofMinutes(2);

    /** A bucket and when a call last used it (System.nanoTime; racy stamps are fine, only minutes matter). */
    private static final class Entry {
        final Bucket bucket;
        volatile long usedNanos;

        Entry(Bucket bucket, long now) {
            this.bucket = bucket;
            this.usedNanos = now;
        }
    }

    private final ConcurrentHashMap<String, Entry> buckets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> slots = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;
    private final AtomicLong nextSweepNanos;

    MemoryBuckets() {
        this(System::nanoTime);
    }

    MemoryBuckets(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.nextSweepNanos = new AtomicLong(nanoClock.getAsLong() + IDLE.toNanos());
    }

    private Bucket bucket(String key, long capacity) {
        long now = nanoClock.getAsLong();
        Entry entry = buckets.get(key);
        if (entry == null) {
            entry = buckets.computeIfAbsent(key, k -> new Entry(Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(capacity).refillGreedy(capacity, Duration.ofMinutes(1)).build())
                    .build(), now));
        } else {
            entry.usedNanos = now;
        }
        long sweepAt = nextSweepNanos.get();
        if (now - sweepAt >= 0 && nextSweepNanos.compareAndSet(sweepAt, now + IDLE.toNanos())) {
            sweep(now); // one caller every two minutes, O(buckets)
        }
        return entry.bucket;
    }

    private void sweep(long now) {
        long idle = IDLE.toNanos();
        buckets.values().removeIf(e -> now - e.usedNanos > idle);
    }

    /** Buckets held (for tests). */
    int size() {
        return buckets.size();
    }

    @Override
    public CompletableFuture<ConsumptionProbe> tryConsume(String key, long capacity, long tokens) {
        return CompletableFuture.completedFuture(bucket(key, capacity).tryConsumeAndReturnRemaining(tokens));
    }

    @Override
    public void refund(String key, long capacity, long tokens) {
        if (tokens > 0) {
            bucket(key, capacity).addTokens(tokens);
        }
    }

    @Override
    public void charge(String key, long capacity, long tokens) {
        if (tokens > 0) {
            bucket(key, capacity).consumeIgnoringRateLimits(tokens);
        }
    }

    @Override
    public CompletableFuture<Boolean> enter(String key, int max, String requestId) {
        AtomicInteger count = slots.computeIfAbsent(key, k -> new AtomicInteger());
        while (true) {
            int now = count.get();
            if (now >= max) {
                return CompletableFuture.completedFuture(false);
            }
            if (count.compareAndSet(now, now + 1)) {
                return CompletableFuture.completedFuture(true);
            }
        }
    }

    @Override
    public void leave(String key, String requestId) {
        AtomicInteger count = slots.get(key);
        if (count != null) {
            count.updateAndGet(n -> Math.max(0, n - 1));
        }
    }

    @Override
    public CompletableFuture<Integer> inFlight(String key) {
        AtomicInteger count = slots.get(key);
        return CompletableFuture.completedFuture(count == null ? 0 : count.get());
    }
}
