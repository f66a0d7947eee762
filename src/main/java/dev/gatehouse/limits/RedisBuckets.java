package dev.gatehouse.limits;

import dev.gatehouse.store.RedisLink;
import io.github.bucket4j.ConsumptionProbe;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counters shared by every node through Redis. A per-minute token bucket is one hash changed by
 * one Lua script per operation (take, give back, charge): one round trip, atomic, never retried.
 * (bucket4j's Redis proxy, used before, compares and swaps: a read, then a conditional write,
 * retried when another call changed the bucket first; with one key and 64 concurrent calls on two
 * nodes that cost 1.6-2.2 ms of a node's CPU per call.) The bucket is bucket4j's greedy refill,
 * done in integers: its level is kept in token-milliseconds (tokens x 60,000), which a limit of C
 * per minute refills by C every millisecond, so 10 per minute gives back exactly one token every 6 s.
 * The clock is Redis's own ({@code TIME}), one clock for every node. In-flight counters are a
 * sorted set per key, changed by a script so the check and the entry are one atomic step; entries
 * older than {@link #STALE} are dropped, so a node that died mid-call cannot hold slots forever.
 */
final class RedisBuckets implements Buckets {
    private static final Logger LOG = LoggerFactory.getLogger(RedisBuckets.class);
    static final Duration STALE = Duration.ofMinutes(15);
    /**
     * KEYS[1] the bucket; ARGV capacity per minute, tokens, mode (try, refund or charge). Returns
     * {taken 1|0, whole tokens left, ms until enough for the request (0 when taken), ms until full}.
     * Levels stay integers below 2^53 for any capacity up to 10^9 per minute.
     */
    private static final String BUCKET = """
            local cap = tonumber(ARGV[1])
            local cost = tonumber(ARGV[2]) * 60000
            local mode = ARGV[3]
            local full = cap * 60000
            local clock = redis.call('TIME')
            local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
            local state = redis.call('HMGET', KEYS[1], 'level', 'at')
            local level = tonumber(state[1])
            local at = tonumber(state[2])
            if level == nil or at == nil then
              level = full
              at = now
            end
            if now > at then
              level = level + (now - at) * cap
              at = now
            end
            if level > full then level = full end
            local taken = 1
            if mode == 'try' then
              if level >= cost then level = level - cost else taken = 0 end
            elseif mode == 'refund' then
              level = math.min(full, level + cost)
            else
              level = level - cost
            end
            redis.call('HSET', KEYS[1], 'level', string.format('%.0f', level), 'at', string.format('%.0f', at))
            local untilFull = math.ceil((full - level) / cap)
            redis.call('PEXPIRE', KEYS[1], untilFull + 60000)
            local wait = 0
            if taken == 0 then wait = math.ceil((cost - level) / cap) end
            local left = 0
            if level > 0 then left = math.floor(level / 60000) end
            return {taken, left, wait, untilFull}
            """;
    private static final String ENTER = """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[4]))
            if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
            redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[4])
            return 1
            """;

    private final RedisClusterAsyncCommands<String, String> redis;
    private final String prefix;

    RedisBuckets(RedisLink client, RedisClusterAsyncCommands<String, String> redis, String prefix) {
        // Every bucket and counter is one key (its own slot on a Redis Cluster): limits spread over the masters.
        this.redis = redis;
        this.prefix = prefix;
    }

    private CompletableFuture<List<Object>> bucket(String key, long capacity, long tokens, String mode) {
        return redis.<List<Object>>eval(BUCKET, ScriptOutputType.MULTI, new String[] {prefix + "tb:" + key},
                Long.toString(capacity), Long.toString(tokens), mode).toCompletableFuture();
    }

    @Override
    public CompletableFuture<ConsumptionProbe> tryConsume(String key, long capacity, long tokens) {
        return bucket(key, capacity, tokens, "try").thenApply(r -> {
            long left = (Long) r.get(1);
            long untilFull = TimeUnit.MILLISECONDS.toNanos((Long) r.get(3));
            return (Long) r.get(0) == 1L ? ConsumptionProbe.consumed(left, untilFull)
                    : ConsumptionProbe.rejected(left, TimeUnit.MILLISECONDS.toNanos((Long) r.get(2)), untilFull);
        });
    }

    @Override
    public void refund(String key, long capacity, long tokens) {
        if (tokens > 0) {
            bucket(key, capacity, tokens, "refund").whenComplete((v, e) -> logFailure("refund", e));
        }
    }

    @Override
    public void charge(String key, long capacity, long tokens) {
        if (tokens > 0) {
            bucket(key, capacity, tokens, "charge").whenComplete((v, e) -> logFailure("charge", e));
        }
    }

    @Override
    public CompletableFuture<Boolean> enter(String key, int max, String requestId) {
        return redis.<Long>eval(ENTER, ScriptOutputType.INTEGER, new String[] {prefix + "cc:" + key},
                        Integer.toString(max), requestId, Long.toString(System.currentTimeMillis()), Long.toString(STALE.toMillis()))
                .thenApply(r -> r == 1L).toCompletableFuture();
    }

    @Override
    public void leave(String key, String requestId) {
        redis.zrem(prefix + "cc:" + key, requestId).whenComplete((v, e) -> logFailure("leave", e));
    }

    @Override
    public CompletableFuture<Integer> inFlight(String key) {
        return redis.zcard(prefix + "cc:" + key).thenApply(Long::intValue).toCompletableFuture();
    }

    private static void logFailure(String what, Throwable e) {
        if (e != null) {
            LOG.warn("rate limit {} in Redis failed: {}", what, e.toString());
        }
    }
}
