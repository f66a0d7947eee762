package dev.gatehouse.store;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.RedisClusterURIUtil;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Redis that several nodes share, whichever shape it has: one server (or a managed Redis
 * behind one address), a master found through Sentinel ({@code redis-sentinel://}), or a Redis
 * Cluster ({@code redis-cluster://host:port,host:port}, {@code rediss-cluster://} for TLS). The
 * users of shared state talk to it through the commands every shape has
 * ({@link RedisClusterAsyncCommands}); on a cluster each command goes to the master of its key's
 * slot, so whatever one script touches must share one hash tag ({@link #cluster()} tells the
 * users that lay out keys).
 */
public final class RedisLink {
    private final RedisClient standalone;
    private final RedisClusterClient cluster;

    private RedisLink(RedisClient standalone, RedisClusterClient cluster) {
        this.standalone = standalone;
        this.cluster = cluster;
    }

    /** True for {@code redis-cluster://} and {@code rediss-cluster://} URLs. */
    public static boolean isClusterUrl(String url) {
        return url != null && (url.startsWith("redis-cluster://") || url.startsWith("rediss-cluster://"));
    }

    /**
     * A client for {@code url} (no connection yet). Commands fail after {@code commandTimeout}
     * instead of waiting for Lettuce's default minute. On a cluster the client refreshes the slot
     * map every 5 s and whenever a node redirects or disconnects; a command for a master that is
     * unreachable waits for it up to the deadline. (Rejecting such commands at once would also
     * reject the first commands to a master whose connection Lettuce opens lazily.)
     *
     * @param resources shared event loops and reconnect delays, or null for Lettuce's defaults
     */
    public static RedisLink open(String url, ClientResources resources, Duration commandTimeout) {
        TimeoutOptions timeouts = TimeoutOptions.enabled(commandTimeout);
        if (isClusterUrl(url)) {
            RedisClusterClient client = resources == null ? RedisClusterClient.create(clusterSeeds(url))
                    : RedisClusterClient.create(resources, clusterSeeds(url));
            client.setOptions(ClusterClientOptions.builder()
                    .timeoutOptions(timeouts)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(5))
                            .enableAllAdaptiveRefreshTriggers()
                            .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                            .build())
                    .build());
            return new RedisLink(null, client);
        }
        RedisClient client = resources == null ? RedisClient.create(url) : RedisClient.create(resources, url);
        client.setOptions(ClientOptions.builder().timeoutOptions(timeouts).build());
        return new RedisLink(client, null);
    }

    /** A link over a client made elsewhere (tests). */
    public static RedisLink of(RedisClient client) {
        return new RedisLink(client, null);
    }

    /** The seed nodes of a {@code redis-cluster://[:password@]host:port,host:port} URL. */
    static List<RedisURI> clusterSeeds(String url) {
        String plain = url.startsWith("rediss-cluster://") ? "rediss://" + url.substring("rediss-cluster://".length())
                : "redis://" + url.substring("redis-cluster://".length());
        try {
            List<RedisURI> seeds = RedisClusterURIUtil.toRedisURIs(URI.create(plain));
            if (seeds.isEmpty()) {
                throw new IllegalArgumentException("no node in the Redis Cluster URL");
            }
            return seeds;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a Redis Cluster URL (redis-cluster://[:password@]host:port,host:port): "
                    + e.getMessage(), e);
        }
    }

    /** True when this is a Redis Cluster: keys that one script touches must share a hash tag. */
    public boolean cluster() {
        return cluster != null;
    }

    /** A new connection (blocking, at start). On a cluster it reaches every master. */
    public StatefulConnection<String, String> connect() {
        return cluster != null ? cluster.connect() : standalone.connect();
    }

    /** A new connection with another codec (blocking, at start). */
    public <K, V> StatefulConnection<K, V> connect(RedisCodec<K, V> codec) {
        return cluster != null ? cluster.connect(codec) : standalone.connect(codec);
    }

    /** A connection for SUBSCRIBE: on a cluster a message published on any node reaches every node's subscribers. */
    public StatefulRedisPubSubConnection<String, String> connectPubSub() {
        return cluster != null ? cluster.connectPubSub() : standalone.connectPubSub();
    }

    /** The commands every shape of Redis has, on a connection from {@link #connect}. */
    @SuppressWarnings("unchecked")
    public static <K, V> RedisClusterAsyncCommands<K, V> async(StatefulConnection<K, V> connection) {
        if (connection instanceof StatefulRedisClusterConnection<K, V> c) {
            return c.async();
        }
        return ((StatefulRedisConnection<K, V>) connection).async();
    }

    /**
     * Whether Redis answers in full (blocking up to {@code timeout}): one server answers a PING; a
     * cluster answers when every master it knows answers a PING and it reports
     * {@code cluster_state:ok} (all slots served).
     */
    public static boolean answers(StatefulConnection<String, String> connection, Duration timeout) {
        try {
            long ms = timeout.toMillis();
            if (connection instanceof StatefulRedisClusterConnection<String, String> c) {
                String info = c.async().clusterInfo().toCompletableFuture().get(ms, TimeUnit.MILLISECONDS);
                if (!info.contains("cluster_state:ok")) {
                    return false;
                }
                var pings = c.async().masters().commands().ping();
                CompletableFuture.allOf(pings.futures()).get(ms, TimeUnit.MILLISECONDS);
                return true;
            }
            async(connection).ping().toCompletableFuture().get(ms, TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    /** The single-server client (null on a cluster), for libraries that take one. */
    public RedisClient standaloneClient() {
        return standalone;
    }

    /** The cluster client (null unless {@link #cluster()}), for libraries that take one. */
    public RedisClusterClient clusterClient() {
        return cluster;
    }

    public void shutdown() {
        if (cluster != null) {
            cluster.shutdown();
        } else {
            standalone.shutdown();
        }
    }
}
