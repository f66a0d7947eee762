package dev.gatehouse.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The names callers see for every upstream tool: {@code {server}{separator}{tool}}, or the tool's
 * own name for a server with {@code prefix: false}. Names are looked up exactly, never split, so
 * tool names with {@code -}, {@code _}, {@code .} (or the separator itself) round-trip. Two tools
 * that would get the same name are a configuration error: neither is exposed, and the error
 * names both. Rebuilt (in memory) only when some server's tool list changed.
 */
public final class ToolCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(ToolCatalog.class);

    /** One exposed tool. */
    public record Entry(String exposedName, McpUpstream server, McpSchema.Tool tool) {}

    /** The catalog as of a set of tool lists. */
    public record Index(Map<String, Entry> byName, List<String> collisions) {}

    private final String separator;
    private final Map<String, McpUpstream> servers;
    private volatile Snapshot last;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    private record Snapshot(IdentityHashMap<McpUpstream, List<McpSchema.Tool>> lists, Index index) {}

    ToolCatalog(String separator, Map<String, McpUpstream> servers) {
        this.separator = separator;
        this.servers = servers;
    }

    public String separator() {
        return separator;
    }

    /** The name a caller sees for {@code tool} of {@code server}. */
    public String exposedName(McpUpstream server, String tool) {
        return server.config().prefix() ? server.name() + separator + tool : tool;
    }

    public Index index() {
        IdentityHashMap<McpUpstream, List<McpSchema.Tool>> lists = new IdentityHashMap<>();
        servers.values().forEach(s -> lists.put(s, s.tools()));
        Snapshot previous = last;
        if (previous != null && sameLists(previous.lists(), lists)) {
            return previous.index();
        }
        Index index = build(lists);
        last = new Snapshot(lists, index);
        return index;
    }

    private static boolean sameLists(IdentityHashMap<McpUpstream, List<McpSchema.Tool>> a,
            IdentityHashMap<McpUpstream, List<McpSchema.Tool>> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (var e : b.entrySet()) {
            if (a.get(e.getKey()) != e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private Index build(IdentityHashMap<McpUpstream, List<McpSchema.Tool>> lists) {
        Map<String, List<Entry>> byName = new LinkedHashMap<>();
        for (McpUpstream server : servers.values()) {
            for (McpSchema.Tool tool : lists.getOrDefault(server, List.of())) {
                String name = exposedName(server, tool.name());
                byName.computeIfAbsent(name, k -> new ArrayList<>(1)).add(new Entry(name, server, tool));
            }
        }
        Map<String, Entry> unique = new HashMap<>();
        List<String> collisions = new ArrayList<>();
        for (var e : byName.entrySet()) {
            if (e.getValue().size() == 1) {
                unique.put(e.getKey(), e.getValue().get(0));
            } else {
                List<String> who = e.getValue().stream().map(x -> "tool '" + x.tool().name() + "' of server '" + x.server().name() + "'").toList();
                String message = "MCP tool name collision: '" + e.getKey() + "' would name " + String.join(" and ", who)
                        + "; neither is exposed. Set prefix: true on those servers or deny one of the tools (tools.deny).";
                collisions.add(message);
                if (reported.add(message)) {
                    LOG.error(message);
                }
            }
        }
        // file order of servers, then each server's own order
        Map<String, Entry> ordered = new LinkedHashMap<>();
        byName.keySet().forEach(name -> {
            Entry entry = unique.get(name);
            if (entry != null) {
                ordered.put(name, entry);
            }
        });
        return new Index(ordered, List.copyOf(collisions));
    }
}
