package dev.gatehouse.mcp;

import dev.gatehouse.config.McpConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live set of upstream MCP servers, rebuilt when the config is reloaded: a server whose
 * configuration did not change keeps its connection (and its stdio process); a changed one is
 * reconnected; a removed one is closed (its process killed).
 */
public final class McpServers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(McpServers.class);

    /** What is live: the config it came from and its servers in file order. */
    public record State(McpConfig config, Map<String, McpUpstream> servers, ToolCatalog catalog) {}

    private final Function<McpConfig.Server, McpUpstream> factory;
    private volatile State state;

    /** @param factory builds (and starts connecting) one upstream */
    public McpServers(McpConfig config, Function<McpConfig.Server, McpUpstream> factory) {
        this.factory = factory;
        Map<String, McpUpstream> servers = new LinkedHashMap<>();
        config.servers().values().forEach(s -> servers.put(s.name(), factory.apply(s)));
        this.state = state(config, servers);
    }

    public State state() {
        return state;
    }

    /** Applies a reloaded config. */
    public synchronized void apply(McpConfig next) {
        State current = state;
        Map<String, McpUpstream> servers = new LinkedHashMap<>();
        for (McpConfig.Server s : next.servers().values()) {
            McpUpstream existing = current.servers().get(s.name());
            servers.put(s.name(), existing != null && existing.config().equals(s) ? existing : factory.apply(s));
        }
        state = state(next, servers);
        for (McpUpstream old : current.servers().values()) {
            if (servers.get(old.name()) != old) {
                LOG.info("MCP server {} {}", old.name(), servers.containsKey(old.name()) ? "reconfigured: reconnecting" : "removed");
                old.close();
            }
        }
    }

    private static State state(McpConfig config, Map<String, McpUpstream> servers) {
        Map<String, McpUpstream> view = Collections.unmodifiableMap(servers);
        return new State(config, view, new ToolCatalog(config.separator(), view));
    }

    @Override
    public synchronized void close() {
        state.servers().values().forEach(McpUpstream::close);
    }
}
