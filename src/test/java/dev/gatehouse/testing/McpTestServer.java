package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletSseServerTransportProvider;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;

/**
 * A real MCP server for tests, built with the MCP Java SDK's own server and served by an embedded
 * Tomcat over both transports: streamable HTTP at {@code /mcp} and the older SSE transport at
 * {@code /sse} (messages to {@code /message}). Its tools: {@code echo}, {@code add}, {@code slow}
 * (sleeps), {@code progress} (sends progress notifications), {@code whoami_header} (returns the
 * Authorization header it received), {@code secret_tool}, and {@code name-with.dots_and-dashes};
 * one resource and one prompt.
 */
public final class McpTestServer implements AutoCloseable {
    private static final McpJsonMapper JSON = new JacksonMcpJsonMapper(new ObjectMapper());

    private final Tomcat tomcat;
    private final McpSyncServer streamable;
    private final McpSyncServer sse;
    private final int port;
    private final AtomicInteger calls;

    private McpTestServer(Tomcat tomcat, McpSyncServer streamable, McpSyncServer sse, int port, AtomicInteger calls) {
        this.calls = calls;
        this.tomcat = tomcat;
        this.streamable = streamable;
        this.sse = sse;
        this.port = port;
    }

    public static McpTestServer start() {
        try {
            HttpServletStreamableServerTransportProvider http = HttpServletStreamableServerTransportProvider.builder()
                    .jsonMapper(JSON).mcpEndpoint("/mcp")
                    .contextExtractor(r -> McpTransportContext.create(Map.of("authorization",
                            r.getHeader("Authorization") == null ? "" : r.getHeader("Authorization"))))
                    .build();
            HttpServletSseServerTransportProvider sseProvider = HttpServletSseServerTransportProvider.builder()
                    .jsonMapper(JSON).sseEndpoint("/sse").messageEndpoint("/message")
                    .contextExtractor(r -> McpTransportContext.create(Map.of("authorization",
                            r.getHeader("Authorization") == null ? "" : r.getHeader("Authorization"))))
                    .build();
            Tomcat tomcat = new Tomcat();
            tomcat.setBaseDir(Files.createTempDirectory("mcp-tomcat").toString());
            tomcat.setPort(0);
            Context context = tomcat.addContext("", null);
            add(context, "streamable", http, "/mcp");
            add(context, "sse", sseProvider, "/sse", "/message");
            tomcat.getConnector();
            tomcat.start();
            int port = tomcat.getConnector().getLocalPort();
            AtomicInteger counter = new AtomicInteger();
            McpSyncServer a = server(McpServer.sync(http), counter);
            McpSyncServer b = server(McpServer.sync(sseProvider), counter);
            return new McpTestServer(tomcat, a, b, port, counter);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (LifecycleException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void add(Context context, String name, HttpServlet servlet, String... paths) {
        Wrapper wrapper = Tomcat.addServlet(context, name, servlet);
        wrapper.setAsyncSupported(true);
        for (String path : paths) {
            context.addServletMappingDecoded(path, name);
        }
    }

    private static McpSyncServer server(McpServer.SyncSpecification<?> spec, AtomicInteger counter) {
        return spec.serverInfo("test-server", "1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).resources(false, false).prompts(false).build())
                .tools(
                        tool("echo", "Echoes its text", "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},\"required\":[\"text\"]}",
                                (ex, req) -> text(String.valueOf(req.arguments().get("text")), counter)),
                        tool("add", "Adds a and b", "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\"},\"b\":{\"type\":\"number\"}}}",
                                (ex, req) -> text(String.valueOf(((Number) req.arguments().get("a")).doubleValue()
                                        + ((Number) req.arguments().get("b")).doubleValue()), counter)),
                        tool("slow", "Sleeps for ms milliseconds", "{\"type\":\"object\",\"properties\":{\"ms\":{\"type\":\"integer\"}}}",
                                (ex, req) -> {
                                    try {
                                        Thread.sleep(((Number) req.arguments().getOrDefault("ms", 5000)).longValue());
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                    return text("slept", counter);
                                }),
                        tool("progress", "Reports progress three times", "{\"type\":\"object\",\"properties\":{}}",
                                (ex, req) -> {
                                    Object token = req.meta() == null ? null : req.meta().get("progressToken");
                                    if (token != null) {
                                        for (int i = 1; i <= 3; i++) {
                                            ex.progressNotification(new McpSchema.ProgressNotification(token, i, 3.0, "step " + i));
                                        }
                                    }
                                    return text("done", counter);
                                }),
                        tool("whoami_header", "Returns the Authorization header the server received", "{\"type\":\"object\",\"properties\":{}}",
                                (ex, req) -> text(String.valueOf(ex.transportContext().get("authorization")), counter)),
                        tool("secret_tool", "A tool most keys may not use", "{\"type\":\"object\",\"properties\":{}}",
                                (ex, req) -> text("secret", counter)),
                        tool("name-with.dots_and-dashes", "A tool whose name has -, _ and .", "{\"type\":\"object\",\"properties\":{}}",
                                (ex, req) -> text("odd name ok", counter)))
                .resources(new McpServerFeatures.SyncResourceSpecification(
                        McpSchema.Resource.builder().uri("test://readme").name("readme").mimeType("text/plain").build(),
                        (ex, req) -> new McpSchema.ReadResourceResult(List.of(
                                new McpSchema.TextResourceContents(req.uri(), "text/plain", "hello from a resource")))))
                .prompts(new McpServerFeatures.SyncPromptSpecification(
                        new McpSchema.Prompt("greet", "Greets someone", List.of(new McpSchema.PromptArgument("name", "who", true))),
                        (ex, req) -> new McpSchema.GetPromptResult("greeting", List.of(new McpSchema.PromptMessage(McpSchema.Role.USER,
                                new McpSchema.TextContent("Hello " + req.arguments().get("name")))))))
                .build();
    }

    private static McpServerFeatures.SyncToolSpecification tool(String name, String description, String schema,
            java.util.function.BiFunction<io.modelcontextprotocol.server.McpSyncServerExchange, McpSchema.CallToolRequest, McpSchema.CallToolResult> handler) {
        return McpServerFeatures.SyncToolSpecification.builder()
                .tool(McpSchema.Tool.builder(name).description(description).inputSchema(JSON, schema).build())
                .callHandler(handler)
                .build();
    }

    private static McpSchema.CallToolResult text(String text, AtomicInteger counter) {
        counter.incrementAndGet();
        return McpSchema.CallToolResult.builder().addTextContent(text).isError(false).build();
    }

    /** Tool calls answered so far (both transports). */
    public int toolCalls() {
        return calls.get();
    }

    public int port() {
        return port;
    }

    public String streamableUrl() {
        return "http://127.0.0.1:" + port + "/mcp";
    }

    public String sseUrl() {
        return "http://127.0.0.1:" + port + "/sse";
    }

    @Override
    public void close() {
        try {
            streamable.closeGracefully();
            sse.closeGracefully();
        } catch (RuntimeException ignored) {
            // closing anyway
        }
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            throw new IllegalStateException(e);
        }
    }
}
