package dev.gatehouse.mcp;

import dev.gatehouse.testing.GatewayHarness;
import java.time.Duration;

/** Waiting for a gateway's upstream MCP servers to be connected. */
final class McpGatewayTestSupport {
    private McpGatewayTestSupport() {}

    static void awaitTool(GatewayHarness gateway, String tool) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            String body = gateway.post("/mcp", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}").body();
            if (body.contains("\"" + tool + "\"")) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("MCP tool " + tool + " never listed");
    }
}
