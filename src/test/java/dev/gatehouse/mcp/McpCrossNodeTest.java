package dev.gatehouse.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.McpTestServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two gateway processes (separate JVMs started from the build's class path, each with its own data
 * folder, sharing one config file) behind a client that alternates between them on every request:
 * an MCP session initialised on one node continues on the other. Sessions are signed with a key
 * both derive from the shared master key, so neither needs to have seen the session before.
 */
class McpCrossNodeTest {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final Pattern LISTENING = Pattern.compile("Gatehouse is listening on (http://\\S+)");
    static McpTestServer upstream;
    static Node nodeA;
    static Node nodeB;

    /** One gateway process and the address it printed. */
    record Node(Process process, String origin, List<String> output) {
        int port() {
            return URI.create(origin).getPort();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        upstream = McpTestServer.start();
        Path dir = Files.createTempDirectory("gatehouse-nodes");
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, GatewayHarness.mockConfig() + """
                mcp:
                  servers:
                    docs:
                      transport: streamable-http
                      url: %s
                auth:
                  master-key: %s
                """.formatted(upstream.streamableUrl(), GatewayHarness.MASTER_KEY));
        // Both JVMs start at once: the slow part (class loading, JIT) overlaps.
        CompletableFuture<Node> a = CompletableFuture.supplyAsync(() -> launch(config, dir.resolve("data-a")));
        CompletableFuture<Node> b = CompletableFuture.supplyAsync(() -> launch(config, dir.resolve("data-b")));
        nodeA = a.get(120, TimeUnit.SECONDS);
        nodeB = b.get(120, TimeUnit.SECONDS);
        for (Node node : List.of(nodeA, nodeB)) {
            awaitTool(node, "docs__echo");
        }
    }

    static Node launch(Path config, Path data) {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "dev.gatehouse.Main", "start",
                "--config", config.toString(), "--host", "127.0.0.1", "--port", "0", "--data", data.toString())
                .redirectErrorStream(true);
        try {
            Process process = builder.start();
            List<String> output = new CopyOnWriteArrayList<>();
            CompletableFuture<String> origin = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        output.add(line);
                        Matcher m = LISTENING.matcher(line);
                        if (m.find()) {
                            origin.complete(m.group(1));
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
                origin.completeExceptionally(new IllegalStateException("gateway process ended: " + String.join("\n", output)));
            }, "gateway-node-output");
            reader.setDaemon(true);
            reader.start();
            return new Node(process, origin.get(90, TimeUnit.SECONDS), output);
        } catch (Exception e) {
            throw new IllegalStateException("could not start a gateway process", e);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (Node node : new Node[] {nodeA, nodeB}) {
            if (node != null) {
                node.process().destroy(); // SIGTERM: the gateway's shutdown hook closes it
                if (!node.process().waitFor(20, TimeUnit.SECONDS)) {
                    node.process().destroyForcibly();
                }
            }
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    static HttpResponse<String> rpc(Node node, String session, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.origin() + "/mcp")).timeout(Duration.ofSeconds(15))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream").POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) {
            request.header("Mcp-Session-Id", session);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void awaitTool(Node node, String tool) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (rpc(node, null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}").body().contains("\"" + tool + "\"")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("node " + node.origin() + " never listed " + tool + ": " + String.join("\n", node.output()));
    }

    @Test
    void theNodesAreSeparateProcesses() {
        assertThat(nodeA.process().pid()).isNotEqualTo(nodeB.process().pid()).isNotEqualTo(ProcessHandle.current().pid());
        assertThat(nodeA.port()).isNotEqualTo(nodeB.port());
    }

    @Test
    void aSessionInitializedOnOneNodeIsUsedOnTheOther() throws Exception {
        HttpResponse<String> init = rpc(nodeA, null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                + "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
        assertThat(init.statusCode()).isEqualTo(200);
        String session = init.headers().firstValue("mcp-session-id").orElseThrow();
        assertThat(rpc(nodeB, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").statusCode()).isEqualTo(202);
        HttpResponse<String> call = rpc(nodeB, session, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":"
                + "{\"name\":\"docs__echo\",\"arguments\":{\"text\":\"on node B\"}}}");
        assertThat(call.statusCode()).isEqualTo(200);
        assertThat(call.body()).contains("on node B").doesNotContain("\"error\"");
        HttpResponse<String> back = rpc(nodeA, session, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}");
        assertThat(back.body()).contains("docs__echo");
        // the session id is checked on every node: a tampered one is refused on B as on A
        int dot = session.indexOf('.');
        char first = session.charAt(dot + 1); // the signature's first character carries six whole bits
        String tampered = session.substring(0, dot + 1) + (first == 'A' ? 'B' : 'A') + session.substring(dot + 2);
        assertThat(rpc(nodeB, tampered, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\"}").statusCode()).isEqualTo(404);
    }

    @Test
    void theSdkClientAlternatingBetweenNodesKeepsItsSession() {
        List<Integer> ports = new CopyOnWriteArrayList<>();
        AtomicInteger next = new AtomicInteger();
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(nodeA.origin())
                .endpoint("/mcp")
                .httpRequestCustomizer((builder, method, uri, body, ctx) -> {
                    // a load balancer without stickiness: every request to the other node
                    Node node = next.getAndIncrement() % 2 == 0 ? nodeA : nodeB;
                    builder.uri(URI.create(node.origin() + uri.getRawPath()));
                    builder.setHeader("Authorization", "Bearer " + GatewayHarness.MASTER_KEY);
                    ports.add(node.port());
                })
                .build();
        List<String> answers = new ArrayList<>();
        try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(15)).build()) {
            client.initialize();
            assertThat(client.listTools().tools().stream().map(McpSchema.Tool::name)).contains("docs__echo");
            for (int i = 0; i < 4; i++) {
                McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("docs__echo", Map.of("text", "call " + i)));
                answers.add(((McpSchema.TextContent) result.content().get(0)).text());
            }
        }
        assertThat(answers).containsExactly("call 0", "call 1", "call 2", "call 3");
        assertThat(ports).contains(nodeA.port(), nodeB.port());
    }
}
