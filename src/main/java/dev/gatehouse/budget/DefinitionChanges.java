package dev.gatehouse.budget;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the other nodes, through a Redis channel, that a budget or rate limit was changed here, so
 * they re-read the definitions at once instead of at their next periodic refresh (every 5 s): a
 * budget lowered or a limit tightened on one node is in force on every node within a fraction of
 * a second. A message lost while Redis is unreachable only delays the change to that refresh.
 * Lettuce subscribes again by itself after a reconnect.
 */
final class DefinitionChanges implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DefinitionChanges.class);

    private final String channel;
    private final String nodeId = UUID.randomUUID().toString();
    private final RedisAsyncCommands<String, String> publisher;
    private final StatefulRedisPubSubConnection<String, String> subscriber;
    // One refresh at a time, off the Lettuce threads (it blocks on JDBC); a burst of announcements
    // while one runs collapses into one more.
    private final ExecutorService refresher = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("gatehouse-definition-changes").factory());
    private final AtomicBoolean pending = new AtomicBoolean();

    DefinitionChanges(RedisClient client, RedisAsyncCommands<String, String> publisher, String channel, Runnable refresh) {
        this.channel = channel;
        this.publisher = publisher;
        this.subscriber = client.connectPubSub();
        subscriber.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String from, String origin) {
                if (!nodeId.equals(origin) && pending.compareAndSet(false, true)) {
                    refresher.execute(() -> {
                        pending.set(false);
                        try {
                            refresh.run();
                        } catch (RuntimeException e) {
                            LOG.warn("budgets and rate limits not re-read after a change on another node (next periodic refresh retries): {}",
                                    e.getMessage());
                        }
                    });
                }
            }
        });
        subscriber.sync().subscribe(channel);
    }

    /** Announces a change made on this node (after it is stored). Never blocks. */
    void announce() {
        publisher.publish(channel, nodeId).whenComplete((receivers, error) -> {
            if (error != null) {
                LOG.warn("change to budgets or rate limits not announced to other nodes (they see it within 5 s): {}", error.toString());
            }
        });
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        subscriber.close();
    }
}
