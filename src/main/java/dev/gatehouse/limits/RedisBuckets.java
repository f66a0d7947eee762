package dev.gatehouse.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import dev.gatehouse.store.RedisLink;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counters shared by every node through Redis: bucket4j's Lettuce proxy (compare-and-swap on the
 * bucket state, asynchronous API only) and a sorted set per in-flight counter, changed by a Lua
 * script so the check and the entry are one atomic step. Entries older than {@link #STALE} are
 * dropped, so a node that died mid-call cannot hold slots forever.
 */
final class RedisBuckets implements Buckets {
    private static final Logger LOG = LoggerFactory.getLogger(RedisBuckets.class);
    static final Duration STALE = Duration.ofMinutes(15);
    private static final String ENTER = """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[4]))
            if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
            redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[4])
            return 1
            """;

    private final AsyncProxyManager<byte[]> proxies;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final String prefix;
    private final Cache<String, AsyncBucketProxy> buckets = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(5))
            // Maintenance (expiry, access reordering) runs on the calling thread: the default, the
            // common ForkJoinPool, made every few calls on the event loop wake another thread.
            .executor(Runnable::run).build();

    RedisBuckets(RedisLink client, RedisClusterAsyncCommands<String, String> redis, String prefix) {
        // Every bucket and counter is one key (its own slot on a Redis Cluster): limits spread over the masters.
        var builder = client.cluster() ? Bucket4jLettuce.casBasedBuilder(client.clusterClient())
                : Bucket4jLettuce.casBasedBuilder(client.standaloneClient());
        this.proxies = builder
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                .build().asAsync();
        this.redis = redis;
        this.prefix = prefix;
    }

    private AsyncBucketProxy bucket(String key, long capacity) {
        return buckets.get(key, k -> {
            BucketConfiguration config = BucketConfiguration.builder()
                    .addLimit(Bandwidth.builder().capacity(capacity).refillGreedy(capacity, Duration.ofMinutes(1)).build())
                    .build();
            return proxies.builder().build((prefix + "rl:" + k).getBytes(StandardCharsets.UTF_8),
                    () -> CompletableFuture.completedFuture(config));
        });
    }

    @Override
    public CompletableFuture<ConsumptionProbe> tryConsume(String key, long capacity, long tokens) {
        return bucket(key, capacity).tryConsumeAndReturnRemaining(tokens);
    }

    @Override
    public void refund(String key, long capacity, long tokens) {
        if (tokens > 0) {
            bucket(key, capacity).addTokens(tokens).whenComplete((v, e) -> logFailure("refund", e));
        }
    }

    @Override
    public void charge(String key, long capacity, long tokens) {
        if (tokens > 0) {
            bucket(key, capacity).consumeIgnoringRateLimits(tokens).whenComplete((v, e) -> logFailure("charge", e));
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
