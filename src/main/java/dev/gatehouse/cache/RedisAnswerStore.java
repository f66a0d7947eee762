package dev.gatehouse.cache;

import dev.gatehouse.store.RedisLink;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers in Redis, shared by every node: {@code SET key value PX ttl}, so Redis expires them.
 * A cache is an optimisation, so Redis trouble is a miss (and a skipped store), never a failed
 * call; commands carry a short deadline so an unreachable Redis costs a call little.
 */
public final class RedisAnswerStore implements AnswerStore {
    private static final Logger LOG = LoggerFactory.getLogger(RedisAnswerStore.class);
    static final String PREFIX = "gatehouse:cache:1:";

    private final RedisLink client;
    private final StatefulConnection<byte[], byte[]> connection;

    public RedisAnswerStore(String url) {
        // One key per answer: on a Redis Cluster answers spread over the masters by their slots.
        this.client = RedisLink.open(url, null, Duration.ofMillis(500));
        this.connection = client.connect(ByteArrayCodec.INSTANCE);
    }

    @Override
    public Future<CachedAnswer> get(String key) {
        Context context = Vertx.currentContext();
        var reading = RedisLink.async(connection).get(bytes(key)).handle((value, failure) -> {
            if (failure != null) {
                LOG.debug("cache lookup in Redis failed, answering from upstream: {}", failure.toString());
                return null;
            }
            return value == null ? null : CachedAnswer.decode(value);
        });
        // Completed on this call's event loop, as everything after it expects.
        return context == null ? Future.fromCompletionStage(reading) : Future.fromCompletionStage(reading, context);
    }

    @Override
    public void put(String key, CachedAnswer answer, Duration ttl) {
        RedisLink.async(connection).set(bytes(key), answer.encode(), SetArgs.Builder.px(Math.max(1, ttl.toMillis())))
                .whenComplete((ok, failure) -> {
                    if (failure != null) {
                        LOG.debug("cache store in Redis failed: {}", failure.toString());
                    }
                });
    }

    private static byte[] bytes(String key) {
        return (PREFIX + key).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
