package dev.gatehouse.store;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Redis pub/sub channel between the nodes of one gateway: {@link #announce} tells the others,
 * the listener hears what the others announced (a node's own messages are dropped). Delivery is
 * best effort: a message sent while Redis is unreachable is lost, so every user keeps a slower
 * way to converge (a periodic refresh, local state). Lettuce subscribes again after a reconnect.
 * The listener runs on a Lettuce thread: it must not block.
 */
public final class NodeChannel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeChannel.class);

    private final String channel;
    private final String nodeId = UUID.randomUUID().toString();
    private final StatefulConnection<String, String> publisher;
    private final StatefulRedisPubSubConnection<String, String> subscriber;

    /** Connects and subscribes (blocking, at start); throws when Redis cannot be reached. */
    public NodeChannel(RedisClient client, String channel, Consumer<String> listener) {
        this(RedisLink.of(client), channel, listener);
    }

    /**
     * Connects and subscribes (blocking, at start); throws when Redis cannot be reached. On a Redis
     * Cluster a PUBLISH on any node reaches the subscribers of every node, so both connections may
     * be to any node (the subscriber's is to the first seed that answers).
     */
    public NodeChannel(RedisLink redis, String channel, Consumer<String> listener) {
        this.channel = channel;
        this.publisher = redis.connect();
        this.subscriber = redis.connectPubSub();
        subscriber.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String from, String message) {
                int space = message.indexOf(' ');
                if (space > 0 && !message.substring(0, space).equals(nodeId)) {
                    listener.accept(message.substring(space + 1));
                }
            }
        });
        subscriber.sync().subscribe(channel);
    }

    /** Tells the other nodes. Never blocks. */
    public void announce(String message) {
        RedisLink.async(publisher).publish(channel, nodeId + " " + message).whenComplete((receivers, error) -> {
            if (error != null) {
                LOG.warn("not announced to the other nodes on {} (they converge later by themselves): {}", channel, error.toString());
            }
        });
    }

    @Override
    public void close() {
        subscriber.close();
        publisher.close();
    }
}
