package dev.gatehouse.routing;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import dev.gatehouse.store.RedisLink;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Latency, load and usage statistics per target shared between nodes through Redis, so that
 * least-latency, least-busy and usage-aware routing on every node rest on what all nodes saw.
 *
 * <p>Nothing happens on the request path: calls update this node's counters in memory as before.
 * Once per period a background thread sends, in one pipelined round trip, this node's figures for
 * each target it called in the last minute (one field per node in a hash per target:
 * {@code <prefix>stats:<target>}, expiring when no node writes it any more) and reads every
 * configured target's hash; the other nodes' fresh fields are merged into the {@link TargetMonitor}.
 * A field older than {@link #STALE} (its node stopped, or cannot reach Redis) is ignored. When
 * Redis cannot be reached the others' figures are dropped and each node routes on its own calls
 * until it can again.
 */
public final class SharedStats implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedStats.class);
    /** How often a node publishes and reads: routing follows the others within about this long. */
    public static final Duration PERIOD = Duration.ofSeconds(1);
    /** Figures older than this are a stopped or cut-off node's: a few missed periods. */
    static final long STALE = 5_000;
    /** A hash no node writes any more disappears by itself. */
    private static final long EXPIRE = 60_000;

    private final String nodeId = UUID.randomUUID().toString();
    private final String prefix;
    private final TargetMonitor monitor;
    private final Supplier<Set<String>> configured;
    private final StatefulConnection<String, String> connection;
    private final ScheduledExecutorService exchanger = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("gatehouse-shared-stats").factory());
    private boolean reachable = true; // only the exchanger thread touches it

    private SharedStats(RedisLink client, String prefix, TargetMonitor monitor, Supplier<Set<String>> configured) {
        this.prefix = prefix;
        this.monitor = monitor;
        this.configured = configured;
        this.connection = client.connect();
        // This connection is the exchanger's alone: commands queue until flushCommands, one round trip per period.
        connection.setAutoFlushCommands(false);
    }

    /**
     * Connects (blocking, at start) and exchanges every {@code period}.
     *
     * @param prefix the Redis key prefix of this gateway's shared statistics
     * @param configured the keys of the targets configured now (their statistics are read even before this node calls them)
     */
    public static SharedStats start(RedisClient client, String prefix, TargetMonitor monitor, Supplier<Set<String>> configured,
            Duration period) {
        return start(RedisLink.of(client), prefix, monitor, configured, period);
    }

    /**
     * As above, on any shape of Redis. On a Redis Cluster each target's hash lives on the master of
     * its slot; the pipelined commands are sent to each master in one flush (every command touches
     * one key, so nothing needs a hash tag).
     */
    public static SharedStats start(RedisLink client, String prefix, TargetMonitor monitor, Supplier<Set<String>> configured,
            Duration period) {
        SharedStats shared = new SharedStats(client, prefix, monitor, configured);
        shared.exchanger.scheduleWithFixedDelay(shared::exchangeQuietly, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        return shared;
    }

    private void exchangeQuietly() {
        try {
            exchange();
            if (!reachable) {
                reachable = true;
                LOG.info("routing statistics are shared with the other nodes again");
            }
        } catch (RuntimeException e) {
            forgetPeers();
            if (reachable) {
                reachable = false;
                LOG.warn("routing statistics cannot be shared through Redis ({}): each node routes on its own calls until it can",
                        e.toString());
            }
        }
    }

    /** One round trip: this node's figures out, every target's figures in. */
    void exchange() {
        if (!connection.isOpen()) {
            // Commands would queue until the reconnect; the others' figures are dropped meanwhile.
            throw new IllegalStateException("not connected to Redis");
        }
        RedisClusterAsyncCommands<String, String> redis = RedisLink.async(connection);
        long now = System.currentTimeMillis();
        List<RedisFuture<?>> all = new ArrayList<>();
        monitor.forEachLocal((target, ttft, duration, inFlight, requests, tokens, judged, failed) -> {
            String key = prefix + target;
            all.add(redis.hset(key, nodeId, PeerStats.encode(ttft, duration, inFlight, requests, tokens, judged, failed, now)));
            all.add(redis.pexpire(key, EXPIRE));
        });
        Set<String> targets = new HashSet<>(configured.get());
        targets.addAll(monitor.knownTargets());
        Map<String, RedisFuture<Map<String, String>>> reads = new HashMap<>();
        for (String target : targets) {
            RedisFuture<Map<String, String>> read = redis.hgetall(prefix + target);
            reads.put(target, read);
            all.add(read);
        }
        connection.flushCommands();
        if (!LettuceFutures.awaitAll(Duration.ofSeconds(2), all.toArray(RedisFuture[]::new))) {
            throw new IllegalStateException("Redis did not answer within 2 s");
        }
        reads.forEach((target, read) -> monitor.peerStats(target, merge(read.toCompletableFuture().join(), now)));
    }

    /** The other nodes' fresh figures for one target, as one; null when there are none. */
    private PeerStats merge(Map<String, String> fields, long now) {
        PeerStats merged = null;
        for (Map.Entry<String, String> field : fields.entrySet()) {
            if (field.getKey().equals(nodeId) || now - PeerStats.publishedAt(field.getValue()) > STALE) {
                continue;
            }
            PeerStats node = PeerStats.decode(field.getValue());
            if (node != null) {
                merged = merged == null ? node : merged.plus(node);
            }
        }
        return merged;
    }

    private void forgetPeers() {
        for (String target : monitor.knownTargets()) {
            monitor.peerStats(target, null);
        }
    }

    @Override
    public void close() {
        exchanger.shutdownNow();
        try {
            exchanger.awaitTermination(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connection.close();
    }
}
