package dev.gatehouse.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.call.Principal;
import dev.gatehouse.config.McpConfig;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upstream server reached through the official MCP Java SDK's client: streamable HTTP, SSE or
 * a stdio process. Each connection is supervised by a virtual thread: it connects, lists the
 * tools, pings the server every {@link #PING_EVERY} and, when the server stops answering (a
 * crashed process, a closed connection), marks it down, drops its tools and reconnects with
 * exponential back-off (restarting a stdio process).
 *
 * <p>BYOK: when the server names a {@code credential} and a caller's team stored its own under
 * that name, the team's calls go through a connection of their own carrying that credential.
 */
final class SdkUpstream implements McpUpstream {
    private static final Logger LOG = LoggerFactory.getLogger(SdkUpstream.class);
    static final McpJsonMapper JSON = new JacksonMcpJsonMapper(new ObjectMapper());
    static final Duration PING_EVERY = Duration.ofSeconds(2);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final String SHARED = "";

    private final McpConfig.Server config;
    private final ToolFilter filter;
    /** (team id, credential name) to the team's own secret, or null. */
    private final BiFunction<String, String, String> teamSecret;
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private volatile boolean closed;

    SdkUpstream(McpConfig.Server config, BiFunction<String, String, String> teamSecret) {
        this.config = config;
        this.filter = new ToolFilter(config);
        this.teamSecret = teamSecret;
        connections.put(SHARED, new Connection(SHARED, null));
    }

    @Override
    public McpConfig.Server config() {
        return config;
    }

    @Override
    public Health health() {
        return connections.get(SHARED).health;
    }

    @Override
    public List<McpSchema.Tool> tools() {
        return connections.get(SHARED).tools;
    }

    @Override
    public boolean offersResources() {
        McpSchema.ServerCapabilities caps = connections.get(SHARED).capabilities;
        return caps != null && caps.resources() != null;
    }

    @Override
    public boolean offersPrompts() {
        McpSchema.ServerCapabilities caps = connections.get(SHARED).capabilities;
        return caps != null && caps.prompts() != null;
    }

    @Override
    public McpSchema.CallToolResult callTool(String tool, Map<String, Object> arguments, Principal caller,
            Consumer<McpSchema.ProgressNotification> progress) {
        if (!filter.exposes(tool)) {
            throw new McpFailure(McpFailure.INVALID_PARAMS, "The MCP server '" + name() + "' has no tool '" + tool + "'.");
        }
        Connection connection = connectionFor(caller);
        McpSyncClient client = connection.ready();
        String token = null;
        if (progress != null) {
            token = UUID.randomUUID().toString();
            connection.progress.put(token, progress);
        }
        try {
            Map<String, Object> meta = token == null ? null : Map.of("progressToken", token);
            return client.callTool(new McpSchema.CallToolRequest(tool, arguments == null ? Map.of() : arguments, meta));
        } catch (RuntimeException e) {
            throw failure(e, connection);
        } finally {
            if (token != null) {
                connection.progress.remove(token);
            }
        }
    }

    @Override
    public McpSchema.ListResourcesResult listResources(String cursor, Principal caller) {
        Connection c = connectionFor(caller);
        try {
            return c.ready().listResources(cursor);
        } catch (RuntimeException e) {
            throw failure(e, c);
        }
    }

    @Override
    public McpSchema.ListResourceTemplatesResult listResourceTemplates(String cursor, Principal caller) {
        Connection c = connectionFor(caller);
        try {
            return c.ready().listResourceTemplates(cursor);
        } catch (RuntimeException e) {
            throw failure(e, c);
        }
    }

    @Override
    public McpSchema.ReadResourceResult readResource(String uri, Principal caller) {
        Connection c = connectionFor(caller);
        try {
            return c.ready().readResource(new McpSchema.ReadResourceRequest(uri));
        } catch (RuntimeException e) {
            throw failure(e, c);
        }
    }

    @Override
    public McpSchema.ListPromptsResult listPrompts(String cursor, Principal caller) {
        Connection c = connectionFor(caller);
        try {
            return c.ready().listPrompts(cursor);
        } catch (RuntimeException e) {
            throw failure(e, c);
        }
    }

    @Override
    public McpSchema.GetPromptResult getPrompt(String prompt, Map<String, Object> arguments, Principal caller) {
        Connection c = connectionFor(caller);
        try {
            return c.ready().getPrompt(new McpSchema.GetPromptRequest(prompt, arguments == null ? Map.of() : arguments));
        } catch (RuntimeException e) {
            throw failure(e, c);
        }
    }

    /** The team's own connection when it stored a credential for this server (BYOK), else the shared one. */
    private Connection connectionFor(Principal caller) {
        if (config.credential() != null && caller != null && caller.teamId() != null && !closed) {
            String secret = teamSecret.apply(caller.teamId(), config.credential());
            if (secret != null) {
                String key = caller.teamId();
                Connection existing = connections.get(key);
                if (existing != null && secret.equals(existing.secret)) {
                    return existing;
                }
                Connection fresh = new Connection(key, secret);
                Connection previous = connections.put(key, fresh);
                if (previous != null) {
                    previous.close(); // the team replaced its credential
                }
                return fresh;
            }
        }
        return connections.get(SHARED);
    }

    private McpFailure failure(RuntimeException e, Connection connection) {
        if (e instanceof McpFailure f) {
            return f;
        }
        Throwable cause = e;
        while (cause != null) {
            if (cause instanceof TimeoutException || (cause.getMessage() != null && cause.getMessage().contains("Did not observe any item"))) {
                return new McpFailure(McpFailure.TIMEOUT, "The MCP server '" + name() + "' did not answer within "
                        + config.timeout().toMillis() + " ms.");
            }
            if (cause instanceof McpError error && error.getJsonRpcError() != null) {
                var rpc = error.getJsonRpcError();
                return new McpFailure(rpc.code(), "The MCP server '" + name() + "' answered with an error: " + rpc.message(), rpc.data());
            }
            if (cause instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return new McpFailure(McpFailure.CANCELLED, "The request was cancelled.");
            }
            cause = cause.getCause();
        }
        connection.suspect(); // a transport failure: the supervisor checks the server at once
        return new McpFailure(McpFailure.UNAVAILABLE, "The MCP server '" + name() + "' failed: " + shortMessage(e));
    }

    static String shortMessage(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.length() > 300 ? message.substring(0, 300) + "..." : message;
    }

    @Override
    public void close() {
        closed = true;
        connections.values().forEach(Connection::close);
    }

    @Override
    public String toString() {
        return "MCP server " + name();
    }

    /** One supervised client session with the server. */
    private final class Connection {
        private final String key;
        private final String secret;
        private final Thread supervisor;
        private final Map<String, Consumer<McpSchema.ProgressNotification>> progress = new ConcurrentHashMap<>();
        private volatile McpSyncClient client;
        private volatile Health health = new Health(false, "connecting", System.currentTimeMillis());
        private volatile List<McpSchema.Tool> tools = List.of();
        private volatile McpSchema.ServerCapabilities capabilities;
        private volatile boolean toolsChanged;
        private volatile boolean stopped;
        private volatile StdioProcesses.Started process;
        /** Open until the first connect has succeeded or failed. */
        private final java.util.concurrent.CountDownLatch firstAttempt = new java.util.concurrent.CountDownLatch(1);

        Connection(String key, String secret) {
            this.key = key;
            this.secret = secret;
            this.supervisor = Thread.ofVirtual().name("gatehouse-mcp-" + config.name() + (key.isEmpty() ? "" : "-" + key))
                    .start(this::supervise);
        }

        McpSyncClient ready() {
            if (!health.up() && firstAttempt.getCount() > 0) {
                // A connection made on demand (a team's own credential) has not finished its first
                // connect: wait for it, within the server's timeout, rather than fail a call it could serve.
                try {
                    firstAttempt.await(config.timeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            McpSyncClient c = client;
            if (c == null || !health.up()) {
                throw new McpFailure(McpFailure.UNAVAILABLE, "The MCP server '" + name() + "' is down: " + health.detail());
            }
            return c;
        }

        void suspect() {
            supervisor.interrupt();
        }

        private void supervise() {
            long backoffMillis = 500;
            while (!stopped) {
                long connectedAt = 0;
                try {
                    connect();
                    connectedAt = System.currentTimeMillis();
                    health = new Health(true, "up", connectedAt);
                    firstAttempt.countDown();
                    LOG.info("MCP server {} is up: {} tools", config.name(), tools.size());
                    while (!stopped) {
                        try {
                            Thread.sleep(PING_EVERY);
                        } catch (InterruptedException e) {
                            if (stopped) {
                                return;
                            }
                            // a failed request asked for a check now
                        }
                        StdioProcesses.Started running = process;
                        if (running != null && running.handle() != null && !running.handle().isAlive()) {
                            throw new IllegalStateException("the server process exited");
                        }
                        client.ping();
                        if (toolsChanged) {
                            toolsChanged = false;
                            tools = listTools(client);
                        }
                    }
                } catch (RuntimeException e) {
                    if (stopped) {
                        return;
                    }
                    String why = shortMessage(e);
                    boolean wasUp = health.up();
                    health = new Health(false, why, System.currentTimeMillis());
                    firstAttempt.countDown();
                    tools = List.of();
                    capabilities = null;
                    release();
                    if (wasUp || connectedAt > 0) {
                        LOG.warn("MCP server {} is down ({}); reconnecting", config.name(), why);
                    } else {
                        LOG.warn("MCP server {} cannot be reached ({}); retrying in {} ms", config.name(), why, backoffMillis);
                    }
                    if (connectedAt > 0 && System.currentTimeMillis() - connectedAt > MAX_BACKOFF.toMillis()) {
                        backoffMillis = 500; // it stayed up a while: start the back-off over
                    }
                    try {
                        Thread.sleep(backoffMillis);
                    } catch (InterruptedException interrupted) {
                        if (stopped) {
                            return;
                        }
                    }
                    backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF.toMillis());
                }
            }
        }

        private void connect() {
            McpClientTransport transport = transport();
            Runnable start = () -> {
                McpSyncClient c = McpClient.sync(transport)
                        .requestTimeout(config.timeout())
                        .initializationTimeout(config.connectTimeout())
                        .clientInfo(new McpSchema.Implementation("gatehouse", "1"))
                        .toolsChangeConsumer(changed -> toolsChanged = true)
                        .progressConsumer(n -> {
                            Consumer<McpSchema.ProgressNotification> listener = n.progressToken() == null ? null
                                    : progress.get(String.valueOf(n.progressToken()));
                            if (listener != null) {
                                listener.accept(n);
                            }
                        })
                        .build();
                client = c;
                c.initialize();
            };
            if (transport instanceof IsolatedStdioTransport) {
                process = StdioProcesses.track(start); // its process, to kill it with its children on close
            } else {
                start.run();
            }
            capabilities = client.getServerCapabilities();
            tools = capabilities != null && capabilities.tools() == null ? List.of() : listTools(client);
        }

        private List<McpSchema.Tool> listTools(McpSyncClient c) {
            List<McpSchema.Tool> all = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                McpSchema.ListToolsResult page = c.listTools(cursor);
                all.addAll(page.tools());
                cursor = page.nextCursor();
            } while (cursor != null && ++pages < 100);
            return filter.apply(all);
        }

        private McpClientTransport transport() {
            Map<String, String> headers = new java.util.LinkedHashMap<>(config.headers());
            if (secret != null) {
                headers.put("Authorization", "Bearer " + secret);
            }
            return switch (config.transport()) {
                case STREAMABLE_HTTP -> {
                    URI uri = URI.create(config.url());
                    yield HttpClientStreamableHttpTransport.builder(origin(uri))
                            .endpoint(pathOf(uri))
                            .jsonMapper(JSON)
                            .connectTimeout(config.connectTimeout())
                            .httpRequestCustomizer((builder, method, u, body, ctx) -> headers.forEach(builder::setHeader))
                            .build();
                }
                case SSE -> {
                    URI uri = URI.create(config.url());
                    yield HttpClientSseClientTransport.builder(origin(uri))
                            .sseEndpoint(pathOf(uri))
                            .jsonMapper(JSON)
                            .connectTimeout(config.connectTimeout())
                            .httpRequestCustomizer((builder, method, u, body, ctx) -> headers.forEach(builder::setHeader))
                            .build();
                }
                case STDIO -> {
                    ServerParameters params = ServerParameters.builder(config.command()).args(config.args()).env(config.env()).build();
                    IsolatedStdioTransport stdio = new IsolatedStdioTransport(params, config.env());
                    stdio.setStdErrorHandler(line -> LOG.info("[mcp {}] {}", config.name(), line));
                    yield stdio;
                }
                case BUILTIN -> throw new IllegalStateException("the built-in server has no transport");
            };
        }

        private void release() {
            McpSyncClient c = client;
            client = null;
            if (c != null) {
                try {
                    c.close(); // not closeGracefully: shutdown and restarts must not wait on a server that hangs
                } catch (RuntimeException e) {
                    LOG.debug("MCP server {}: close failed: {}", config.name(), e.toString());
                }
            }
            StdioProcesses.Started p = process;
            process = null;
            if (p != null) {
                p.kill();
            }
        }

        void close() {
            stopped = true;
            supervisor.interrupt();
            release();
            health = new Health(false, "closed", System.currentTimeMillis());
        }
    }

    private static String origin(URI uri) {
        return uri.getScheme() + "://" + uri.getRawAuthority();
    }

    private static String pathOf(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }

    /**
     * The SDK's stdio transport, started with an environment of the server's own: PATH and HOME
     * (so the program is found and can keep its caches) plus what the config sets; the gateway's
     * own environment (its keys among it) is not passed on. No shell is involved.
     */
    static final class IsolatedStdioTransport extends StdioClientTransport {
        private final Map<String, String> env;

        IsolatedStdioTransport(ServerParameters params, Map<String, String> env) {
            super(params, JSON);
            this.env = env;
        }

        @Override
        protected ProcessBuilder getProcessBuilder() {
            ProcessBuilder builder = new ProcessBuilder();
            Map<String, String> environment = builder.environment();
            Map<String, String> inherited = Set.of("PATH", "HOME", "LANG", "TMPDIR").stream()
                    .filter(name -> System.getenv(name) != null)
                    .collect(Collectors.toMap(name -> name, System::getenv));
            environment.clear();
            environment.putAll(inherited);
            environment.putAll(env);
            return builder;
        }
    }
}
