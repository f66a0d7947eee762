package dev.gatehouse.mcp;

import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.McpTestServer;
import java.time.Duration;

/** Waiting for a gateway's upstream MCP servers to be connected; the gateway the agent-mode tests share. */
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

    /**
     * A gateway with an OpenAI upstream ({@code gpt-4o}) and an Anthropic one ({@code claude-sonnet-4-5}),
     * both strict fakes, and the MCP server {@code docs} connected (its tool {@code docs__echo} listed):
     * agent mode on each caller format runs its tool loop through both.
     */
    record AgentGateway(McpTestServer upstream, FakeOpenAi openai, FakeAnthropic anthropic, GatewayHarness gateway)
            implements AutoCloseable {

        static AgentGateway start() {
            McpTestServer upstream = McpTestServer.start();
            FakeOpenAi openai = null;
            FakeAnthropic anthropic = null;
            GatewayHarness gateway = null;
            try {
                openai = FakeOpenAi.start();
                anthropic = FakeAnthropic.start();
                gateway = GatewayHarness.start("""
                        providers:
                          oa: {kind: openai, base-url: "%s", api-key: %s}
                          an: {kind: anthropic, base-url: "%s", api-key: %s}
                        models:
                          gpt-4o: {targets: [{provider: oa}]}
                          claude-sonnet-4-5: {targets: [{provider: an}]}
                        mcp:
                          servers:
                            docs:
                              transport: streamable-http
                              url: %s
                        """.formatted(openai.baseUrl(), FakeOpenAi.DEFAULT_KEY, anthropic.baseUrl(), FakeAnthropic.DEFAULT_KEY,
                        upstream.streamableUrl()));
                awaitTool(gateway, "docs__echo");
                return new AgentGateway(upstream, openai, anthropic, gateway);
            } catch (RuntimeException | Error e) {
                new AgentGateway(upstream, openai, anthropic, gateway).close(); // what started, stopped
                throw e;
            }
        }

        /** Stops what started, gateway first; best effort, as a test's clean-up. */
        @Override
        public void close() {
            for (AutoCloseable c : new AutoCloseable[] {gateway, openai, anthropic, upstream}) {
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (Exception ignored) {
                    // best effort
                }
            }
        }
    }
}
