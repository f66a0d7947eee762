package dev.gatehouse.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code mcp} section: the upstream MCP servers the gateway aggregates behind {@code /mcp},
 * and how their tools are named and priced.
 *
 * @param separator between a server's name and its tool's name in the names callers see ({@code github__create_issue})
 * @param maxRounds the most model-and-tools rounds one chat request with MCP tools may take
 * @param servers by name, in file order
 */
public record McpConfig(String separator, int maxRounds, Map<String, Server> servers) {
    public static final String DEFAULT_SEPARATOR = "__";
    public static final int DEFAULT_MAX_ROUNDS = 8;
    public static final McpConfig NONE = new McpConfig(DEFAULT_SEPARATOR, DEFAULT_MAX_ROUNDS, Map.of());

    public McpConfig {
        servers = Collections.unmodifiableMap(new LinkedHashMap<>(servers));
    }

    /** How the gateway reaches a server. */
    public enum Transport {
        STREAMABLE_HTTP("streamable-http"), SSE("sse"), STDIO("stdio"), BUILTIN("builtin");

        private final String wire;

        Transport(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static Transport of(String wire) {
            for (Transport t : values()) {
                if (t.wire.equals(wire)) {
                    return t;
                }
            }
            return null;
        }
    }

    /**
     * One upstream MCP server.
     *
     * @param url streamable HTTP: the endpoint ({@code http://host/mcp}); SSE: the event-stream URL ({@code http://host/sse})
     * @param command stdio: the program, started directly (never through a shell) with {@code args}
     * @param env stdio: the process's whole environment besides PATH and HOME (the gateway's own is not passed on)
     * @param headers sent with every HTTP request to the server (values may use ${ENV})
     * @param credential the name of a stored provider credential sent as {@code Authorization: Bearer}; a
     *                   caller's team that stored its own credential under this name uses it (BYOK)
     * @param timeout the most one request to the server (a tool call) may take
     * @param prefix whether tool names carry the server's name ({@code false}: the tool's own name)
     * @param allowTools tool globs exposed (empty: all)
     * @param denyTools tool globs never exposed, even when allowed
     * @param priceMicros per-call price by tool name ({@code *}: every other tool), micro-USD
     */
    public record Server(String name, Transport transport, String url, String command, List<String> args,
            Map<String, String> env, Map<String, String> headers, String credential, Duration timeout,
            Duration connectTimeout, boolean prefix, List<String> allowTools, List<String> denyTools,
            Map<String, Long> priceMicros) {
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
        public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

        public Server {
            args = args == null ? List.of() : List.copyOf(args);
            env = env == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(env));
            headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            allowTools = allowTools == null ? List.of() : List.copyOf(allowTools);
            denyTools = denyTools == null ? List.of() : List.copyOf(denyTools);
            priceMicros = priceMicros == null ? Map.of() : Map.copyOf(priceMicros);
            timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
            connectTimeout = connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout;
        }

        /** What one call of {@code tool} costs, micro-USD (0 unless priced). */
        public long price(String tool) {
            Long price = priceMicros.get(tool);
            if (price == null) {
                price = priceMicros.get("*");
            }
            return price == null ? 0 : price;
        }
    }
}
