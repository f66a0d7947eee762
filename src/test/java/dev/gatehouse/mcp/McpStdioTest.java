package dev.gatehouse.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.NpmMcpServers;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A stdio MCP server from the npm registry (the protocol's reference "everything" server), started
 * and supervised by the gateway: its tools through /mcp, its own environment, restart after a
 * crash, and no process left behind when the gateway stops.
 */
class McpStdioTest {
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        Path script = NpmMcpServers.everything();
        gateway = GatewayHarness.start(GatewayHarness.mockConfig() + """
                mcp:
                  servers:
                    everything:
                      transport: stdio
                      command: node
                      args: ["%s", "stdio"]
                      env: {GREETING: "hello from config"}
                      timeout: 20s
                """.formatted(script));
        awaitTools("everything__echo");
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    static McpSyncClient client() {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(gateway.origin())
                .endpoint("/mcp")
                .httpRequestCustomizer((b, m, u, body, ctx) -> b.setHeader("Authorization", "Bearer " + GatewayHarness.MASTER_KEY))
                .build();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(20)).build();
        client.initialize();
        return client;
    }

    static List<String> awaitTools(String tool) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (McpSyncClient client = client()) {
            while (true) {
                List<String> names = client.listTools().tools().stream().map(McpSchema.Tool::name).toList();
                if (names.contains(tool)) {
                    return names;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("stdio server not up: " + names);
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static Optional<ProcessHandle> serverProcess() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().commandLine().orElse("").contains("server-everything"))
                .findFirst();
    }

    static String text(McpSchema.CallToolResult result) {
        return ((McpSchema.TextContent) result.content().get(0)).text();
    }

    @Test
    void toolsOfTheStdioServerAreCalledThroughTheGateway() {
        try (McpSyncClient client = client()) {
            assertThat(text(client.callTool(new McpSchema.CallToolRequest("everything__echo", Map.of("message", "hi")))))
                    .contains("hi");
            // hyphenated names round-trip
            assertThat(text(client.callTool(new McpSchema.CallToolRequest("everything__get-sum", Map.of("a", 2, "b", 3)))))
                    .contains("5");
        }
    }

    @Test
    void theProcessGetsItsOwnEnvironmentNotTheGateways() {
        try (McpSyncClient client = client()) {
            String env = text(client.callTool(new McpSchema.CallToolRequest("everything__get-env", Map.of())));
            assertThat(env).contains("hello from config").contains("PATH");
            // whatever the gateway's own environment holds (keys, passwords) is not passed on
            System.getenv().keySet().stream()
                    .filter(name -> !List.of("PATH", "HOME", "LANG", "TMPDIR", "LOGNAME", "SHELL", "TERM", "USER", "USERNAME")
                            .contains(name))
                    .forEach(name -> assertThat(env).as("environment variable " + name).doesNotContain("\"" + name + "\""));
        }
    }

    @Test
    void aCrashedServerIsShownDownAndRestarted() throws Exception {
        ProcessHandle first = serverProcess().orElseThrow();
        first.destroyForcibly();
        first.onExit().get();
        // down: its tools disappear (within the health-check period), then come back from a new process
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        boolean sawDown = false;
        try (McpSyncClient client = client()) {
            while (System.nanoTime() < deadline) {
                List<String> names = client.listTools().tools().stream().map(McpSchema.Tool::name).toList();
                if (!names.contains("everything__echo")) {
                    sawDown = true;
                } else if (sawDown) {
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(sawDown).as("the crashed server's tools disappeared").isTrue();
            awaitTools("everything__echo");
            ProcessHandle second = serverProcess().orElseThrow();
            assertThat(second.pid()).isNotEqualTo(first.pid());
            assertThat(text(client.callTool(new McpSchema.CallToolRequest("everything__echo", Map.of("message", "again")))))
                    .contains("again");
        }
    }

    @Test
    void theProcessIsKilledWhenTheGatewayStops() throws Exception {
        GatewayHarness second = GatewayHarness.start(GatewayHarness.mockConfig() + """
                mcp:
                  servers:
                    other:
                      transport: stdio
                      command: node
                      args: ["%s", "stdio"]
                """.formatted(NpmMcpServers.everything()));
        List<ProcessHandle> before = ProcessHandle.current().children()
                .filter(p -> p.info().commandLine().orElse("").contains("server-everything")).toList();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (ProcessHandle.current().children().filter(p -> p.info().commandLine().orElse("").contains("server-everything"))
                .count() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        List<ProcessHandle> running = ProcessHandle.current().children()
                .filter(p -> p.info().commandLine().orElse("").contains("server-everything")).toList();
        assertThat(running).hasSizeGreaterThanOrEqualTo(2);
        second.close();
        Thread.sleep(500);
        List<ProcessHandle> after = ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains("server-everything")).toList();
        assertThat(after).hasSize(1); // only the first gateway's server is left
        assertThat(before.size()).isLessThanOrEqualTo(running.size());
    }
}
