package dev.gatehouse.limits;

import io.github.bucket4j.ConsumptionProbe;
import dev.gatehouse.store.RedisLink;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Admission against rate limits: takes one request, the estimated tokens and one in-flight slot
 * from every applicable limit, or nothing (what was taken before a refusal is given back).
 * {@link #complete} corrects the token estimate with the real count and frees the slot.
 */
public final class Limiter implements AutoCloseable {

    public enum Kind { REQUESTS, TOKENS, CONCURRENT }

    /** One counter a call must pass. */
    record Check(RateLimit limit, Kind kind, long capacity, String key) {}

    /** What was taken, to give back or correct later. */
    record Taken(Check check, long amount) {}

    /** What one limit looks like after admission, for the {@code x-ratelimit-*} headers. */
    public record Status(Kind kind, long limit, long remaining, long resetNanos) {}

    /** A granted admission; hand it back to {@link #complete}. */
    public record Permit(List<Taken> taken, String requestId, long estimatedTokens) {
        public static final Permit NONE = new Permit(List.of(), null, 0);
    }

    /** The limit that refused, and how long until it would admit the call. */
    public record Refusal(RateLimit limit, Kind kind, long capacity, long waitNanos) {}

    public record Decision(Permit permit, Refusal refused, List<Status> statuses) {}

    private final Buckets buckets;
    private final RedisOutage outage;

    Limiter(Buckets buckets) {
        this(buckets, null);
    }

    private Limiter(Buckets buckets, RedisOutage outage) {
        this.buckets = buckets;
        this.outage = outage;
    }

    public static Limiter inMemory() {
        return new Limiter(new MemoryBuckets());
    }

    /** @param prefix key prefix in Redis, so several gateways (or tests) can share one server */
    public static Limiter redis(RedisLink client, RedisClusterAsyncCommands<String, String> commands, String prefix) {
        return new Limiter(new RedisBuckets(client, commands, prefix));
    }

    /**
     * Counters in Redis with the {@code local} outage policy: while {@code outage} is active, each
     * limit is enforced on this node alone, at its share.
     */
    public static Limiter redis(RedisLink client, RedisClusterAsyncCommands<String, String> commands, String prefix, RedisOutage outage) {
        return new Limiter(new FallbackBuckets(new RedisBuckets(client, commands, prefix), outage, System::currentTimeMillis), outage);
    }

    public CompletableFuture<Decision> acquire(List<RateLimit> limits, long estimatedTokens, String requestId) {
        List<Check> checks = new ArrayList<>(limits.size() * 3);
        for (RateLimit l : limits) {
            if (l.concurrent() != null) {
                checks.add(new Check(l, Kind.CONCURRENT, l.concurrent(), l.id()));
            }
            if (l.rpm() != null) {
                checks.add(new Check(l, Kind.REQUESTS, l.rpm(), l.bucketKey("rpm", l.rpm())));
            }
            if (l.tpm() != null) {
                checks.add(new Check(l, Kind.TOKENS, l.tpm(), l.bucketKey("tpm", l.tpm())));
            }
        }
        CompletableFuture<Decision> decision = next(checks, 0, new ArrayList<>(), new ArrayList<>(), Math.max(0, estimatedTokens), requestId);
        if (outage == null) {
            return decision;
        }
        return decision.thenApply(d -> {
            if (d.permit() != null && !d.permit().taken().isEmpty() && outage.active()) {
                outage.admittedLocally(false);
            }
            return d;
        });
    }

    private CompletableFuture<Decision> next(List<Check> checks, int index, List<Taken> taken, List<Status> statuses,
            long estimate, String requestId) {
        if (index == checks.size()) {
            return CompletableFuture.completedFuture(new Decision(new Permit(List.copyOf(taken), requestId, estimate), null, statuses));
        }
        Check check = checks.get(index);
        if (check.kind() == Kind.CONCURRENT) {
            return buckets.enter(check.key(), (int) check.capacity(), requestId).thenCompose(entered -> {
                if (!entered) {
                    return refuse(taken, requestId, new Refusal(check.limit(), Kind.CONCURRENT, check.capacity(), 1_000_000_000L), statuses);
                }
                taken.add(new Taken(check, 1));
                return next(checks, index + 1, taken, statuses, estimate, requestId);
            });
        }
        // A call estimated above the whole per-minute allowance takes all of it rather than never passing.
        long amount = check.kind() == Kind.REQUESTS ? 1 : Math.min(estimate, check.capacity());
        if (amount == 0) {
            return next(checks, index + 1, taken, statuses, estimate, requestId);
        }
        return buckets.tryConsume(check.key(), check.capacity(), amount).thenCompose((ConsumptionProbe probe) -> {
            if (!probe.isConsumed()) {
                statuses.add(new Status(check.kind(), check.capacity(), probe.getRemainingTokens(), probe.getNanosToWaitForReset()));
                return refuse(taken, requestId, new Refusal(check.limit(), check.kind(), check.capacity(), probe.getNanosToWaitForRefill()), statuses);
            }
            taken.add(new Taken(check, amount));
            statuses.add(new Status(check.kind(), check.capacity(), probe.getRemainingTokens(), probe.getNanosToWaitForReset()));
            return next(checks, index + 1, taken, statuses, estimate, requestId);
        });
    }

    private CompletableFuture<Decision> refuse(List<Taken> taken, String requestId, Refusal refusal, List<Status> statuses) {
        for (Taken t : taken) {
            undo(t, requestId);
        }
        return CompletableFuture.completedFuture(new Decision(null, refusal, statuses));
    }

    private void undo(Taken t, String requestId) {
        if (t.check().kind() == Kind.CONCURRENT) {
            buckets.leave(t.check().key(), requestId);
        } else {
            buckets.refund(t.check().key(), t.check().capacity(), t.amount());
        }
    }

    /**
     * Ends an admitted call: frees its in-flight slots and replaces its token estimate by
     * {@code actualTokens} (refund when it was over, charge — possibly into debt — when under).
     */
    public void complete(Permit permit, long actualTokens) {
        for (Taken t : permit.taken()) {
            switch (t.check().kind()) {
                case CONCURRENT -> buckets.leave(t.check().key(), permit.requestId());
                case TOKENS -> {
                    long diff = actualTokens - t.amount();
                    if (diff > 0) {
                        buckets.charge(t.check().key(), t.check().capacity(), diff);
                    } else if (diff < 0) {
                        buckets.refund(t.check().key(), t.check().capacity(), -diff);
                    }
                }
                case REQUESTS -> { /* a request was made: it counts */ }
            }
        }
    }

    /** Slots of a limit's in-flight counter now taken. */
    public CompletableFuture<Integer> inFlight(RateLimit limit) {
        return buckets.inFlight(limit.id());
    }

    @Override
    public void close() {
        buckets.close();
    }
}
