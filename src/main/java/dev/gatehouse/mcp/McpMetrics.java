package dev.gatehouse.mcp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Tool-call metrics: {@code gatehouse_mcp_tool_calls_total{server,tool,outcome}}, the calls'
 * duration and what they cost. Tool names come from configured servers' listings only, never
 * from what a caller typed (refused unknown names count without a tool label).
 */
public final class McpMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> calls = new ConcurrentHashMap<>();
    private final Map<String, Timer> durations = new ConcurrentHashMap<>();
    private final Map<String, Counter> costs = new ConcurrentHashMap<>();

    /** @param registry null: metrics disabled */
    public McpMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(String server, String tool, String outcome, long nanos, long costMicros) {
        if (registry == null) {
            return;
        }
        calls.computeIfAbsent(server + '\0' + tool + '\0' + outcome, k -> Counter.builder("gatehouse.mcp.tool.calls")
                .description("MCP tool calls by server, tool and outcome").tag("server", server).tag("tool", tool)
                .tag("outcome", outcome).register(registry)).increment();
        durations.computeIfAbsent(server + '\0' + tool, k -> Timer.builder("gatehouse.mcp.tool.duration")
                .description("MCP tool call duration").tag("server", server).tag("tool", tool).register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
        if (costMicros > 0) {
            costs.computeIfAbsent(server + '\0' + tool, k -> Counter.builder("gatehouse.mcp.tool.cost.usd")
                    .description("What MCP tool calls cost, USD").tag("server", server).tag("tool", tool).register(registry))
                    .increment(costMicros / 1_000_000.0);
        }
    }

    void refused(String outcome) {
        if (registry == null) {
            return;
        }
        calls.computeIfAbsent("\0\0" + outcome, k -> Counter.builder("gatehouse.mcp.tool.calls")
                .description("MCP tool calls by server, tool and outcome").tag("server", "").tag("tool", "")
                .tag("outcome", outcome).register(registry)).increment();
    }
}
