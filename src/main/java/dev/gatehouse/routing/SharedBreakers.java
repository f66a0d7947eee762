package dev.gatehouse.routing;

import dev.gatehouse.store.NodeChannel;
import dev.gatehouse.store.RedisLink;
import io.lettuce.core.RedisClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Circuit-breaker state shared between nodes through a Redis channel: when a target's breaker
 * opens on one node (it saw the failures), every node opens its own, so a failing provider is
 * avoided by all of them instead of each paying for the failures itself; when a node's probe finds
 * it answering again, every node closes its breaker. Each node still decides on its own calls, so
 * when Redis is unreachable each node falls back to what it sees itself.
 */
public final class SharedBreakers implements BreakerEvents, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedBreakers.class);

    private final NodeChannel channel;

    private SharedBreakers(RedisLink client, String channel, TargetMonitor monitor) {
        this.channel = new NodeChannel(client, channel, message -> {
            int space = message.indexOf(' ');
            if (space > 0) {
                String state = message.substring(0, space);
                String target = message.substring(space + 1);
                LOG.info("circuit of {} {} on another node: {} here too", target, state, "open".equals(state) ? "opened" : "closed");
                monitor.peer(target, "open".equals(state));
            }
        });
    }

    /** Connects the monitor to the other nodes (blocking, at start). */
    public static SharedBreakers connect(RedisClient client, String channel, TargetMonitor monitor) {
        return connect(RedisLink.of(client), channel, monitor);
    }

    public static SharedBreakers connect(RedisLink client, String channel, TargetMonitor monitor) {
        SharedBreakers shared = new SharedBreakers(client, channel, monitor);
        monitor.announceTo(shared);
        return shared;
    }

    @Override
    public void opened(String targetKey) {
        channel.announce("open " + targetKey);
    }

    @Override
    public void closed(String targetKey) {
        channel.announce("closed " + targetKey);
    }

    @Override
    public void close() {
        channel.close();
    }
}
