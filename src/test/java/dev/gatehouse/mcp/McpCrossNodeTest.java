package dev.gatehouse.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.McpTestServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two gateway instances behind a client that alternates between them on every request: a session
 * initialised on one node continues on the other (sessions are signed, not stored).
 */
class McpCrossNodeTest {
    static McpTestServer upstream;
    static GatewayHarness nodeA;
    static GatewayHarness nodeB;

    @BeforeAll
    static void start() {
        upstream = McpTestServer.start();
        String config = GatewayHarness.mockConfig() + """
                mcp:
                  servers:
                    docs:
                      transport: streamable-http
                      url: %s
                """.formatted(upstream.streamableUrl());
        nodeA = GatewayHarness.start(config);
        nodeB = GatewayHarness.start(config);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {nodeA, nodeB, upstream}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @Test
    void aSessionStartedOnOneNodeContinuesOnTheOther() throws Exception {
        List<Integer> ports = new CopyOnWriteArrayList<>();
        AtomicInteger next = new AtomicInteger();
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(nodeA.origin())
                .endpoint("/mcp")
                .httpRequestCustomizer((builder, method, uri, body, ctx) -> {
                    // a load balancer without stickiness: every request to the other node
                    GatewayHarness node = next.getAndIncrement() % 2 == 0 ? nodeA : nodeB;
                    URI target = URI.create(node.origin() + uri.getRawPath());
                    builder.uri(target);
                    builder.setHeader("Authorization", "Bearer " + GatewayHarness.MASTER_KEY);
                    ports.add(node.port());
                })
                .build();
        try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(15)).build()) {
            client.initialize();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            List<String> names = new ArrayList<>();
            while (System.nanoTime() < deadline) {
                names = client.listTools().tools().stream().map(McpSchema.Tool::name).toList();
                if (names.contains("docs__echo")) {
                    // both nodes have connected: two listings in a row, one per node
                    List<String> again = client.listTools().tools().stream().map(McpSchema.Tool::name).toList();
                    if (again.contains("docs__echo")) {
                        break;
                    }
                }
                Thread.sleep(200);
            }
            for (int i = 0; i < 4; i++) {
                McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("docs__echo", Map.of("text", "call " + i)));
                assertThat(((McpSchema.TextContent) result.content().get(0)).text()).isEqualTo("call " + i);
            }
        }
        assertThat(ports).contains(nodeA.port(), nodeB.port());
    }
}
