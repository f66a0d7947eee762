package dev.gatehouse.budget;

import dev.gatehouse.store.NodeChannel;
import dev.gatehouse.store.RedisLink;
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
 */
final class DefinitionChanges implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DefinitionChanges.class);

    private final NodeChannel channel;
    // One refresh at a time, off the Lettuce threads (it blocks on JDBC); a burst of announcements
    // while one runs collapses into one more.
    private final ExecutorService refresher = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("gatehouse-definition-changes").factory());
    private final AtomicBoolean pending = new AtomicBoolean();

    DefinitionChanges(RedisLink client, String channel, Runnable refresh) {
        this.channel = new NodeChannel(client, channel, message -> {
            if (pending.compareAndSet(false, true)) {
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
        });
    }

    /** Announces a change made on this node (after it is stored). Never blocks. */
    void announce() {
        channel.announce("changed");
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        channel.close();
    }
}
