package dev.gatehouse.limits;

import io.github.bucket4j.ConsumptionProbe;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Redis counters with the {@code local} outage policy: while Redis is unreachable, every bucket
 * and in-flight counter is this node's own, in memory, sized to its share of the limit (limit ÷
 * expected nodes). When Redis answers again the shared counters apply again; what was admitted
 * locally is not added to them (a per-minute window is over within a minute, so for up to a
 * minute after recovery a limit can admit its share more than it should on each node).
 */
final class FallbackBuckets implements Buckets {
    private final RedisBuckets shared;
    private final MemoryBuckets local = new MemoryBuckets();
    private final RedisOutage outage;
    /** Requests that took an in-flight slot locally, so they give it back locally. */
    private final Set<String> enteredLocally = ConcurrentHashMap.newKeySet();

    FallbackBuckets(RedisBuckets shared, RedisOutage outage) {
        this.shared = shared;
        this.outage = outage;
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
        return either(() -> shared.tryConsume(key, capacity, tokens),
                () -> local.tryConsume(key, outage.share(capacity), Math.min(tokens, outage.share(capacity))));
    }

    @Override
    public void refund(String key, long capacity, long tokens) {
        if (outage.active()) {
            local.refund(key, outage.share(capacity), tokens);
        } else {
            shared.refund(key, capacity, tokens);
        }
    }

    @Override
    public void charge(String key, long capacity, long tokens) {
        if (outage.active()) {
            local.charge(key, outage.share(capacity), tokens);
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
