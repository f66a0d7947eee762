package dev.gatehouse.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Single-node counters: bucket4j's lock-free local buckets, kept in a Caffeine cache that drops
 * buckets idle for longer than a refill (a full bucket is the same as a new one), and atomic
 * in-flight counters.
 */
final class MemoryBuckets implements Buckets {
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(2))
            // Maintenance (expiry, access reordering) runs on the calling thread: the default, the
            // common ForkJoinPool, made every few calls on the event loop wake another thread.
            .executor(Runnable::run).build();
    private final ConcurrentHashMap<String, AtomicInteger> slots = new ConcurrentHashMap<>();

    private Bucket bucket(String key, long capacity) {
        return buckets.get(key, k -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(capacity).refillGreedy(capacity, Duration.ofMinutes(1)).build())
                .build());
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
