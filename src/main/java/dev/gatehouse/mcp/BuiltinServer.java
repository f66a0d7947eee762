package dev.gatehouse.mcp;

import dev.gatehouse.budget.Balance;
import dev.gatehouse.budget.Budget;
import dev.gatehouse.budget.Enforcement;
import dev.gatehouse.call.Principal;
import dev.gatehouse.config.McpConfig;
import dev.gatehouse.config.Micros;
import dev.gatehouse.routing.Route;
import dev.gatehouse.routing.Snapshot;
import dev.gatehouse.usage.UsageQuery;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The gateway's own MCP server ({@code transport: builtin}, named {@code gatehouse}): tools that
 * tell the caller about itself: who it is, the models it may use, its budgets and its recent
 * usage. Runs in the gateway, so it is never down; answers only about the calling key.
 */
final class BuiltinServer implements McpUpstream {
    private static final Map<String, Object> NO_ARGS = Map.of("type", "object", "properties", Map.of());
    private static final Map<String, Object> USAGE_ARGS = Map.of("type", "object", "properties",
            Map.of("hours", Map.of("type", "integer", "minimum", 1, "maximum", 720,
                    "description", "How many hours back to sum (default 24)")));

    private final McpConfig.Server config;
    private final ToolFilter filter;
    private final Supplier<Snapshot> snapshot;
    private final Enforcement enforcement;
    private final UsageQuery usage;
    private final List<McpSchema.Tool> tools;
    private final long since = System.currentTimeMillis();

    BuiltinServer(McpConfig.Server config, Supplier<Snapshot> snapshot, Enforcement enforcement, UsageQuery usage) {
        this.config = config;
        this.filter = new ToolFilter(config);
        this.snapshot = snapshot;
        this.enforcement = enforcement;
        this.usage = usage;
        this.tools = filter.apply(List.of(
                tool("whoami", "Who the gateway takes you for: key, user, team and roles.", NO_ARGS),
                tool("my_models", "The models your key may use through this gateway.", NO_ARGS),
                tool("my_budget", "Your budgets: limit, spent and remaining in the current period (USD).", NO_ARGS),
                tool("my_usage", "Your requests, tokens and cost through this gateway over the last hours.", USAGE_ARGS)));
    }

    private static McpSchema.Tool tool(String name, String description, Map<String, Object> schema) {
        return McpSchema.Tool.builder(name).description(description).inputSchema(SdkUpstream.JSON, toJson(schema)).build();
    }

    private static String toJson(Object value) {
        return new String(ToolCalls.bytes(value), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public McpConfig.Server config() {
        return config;
    }

    @Override
    public Health health() {
        return new Health(true, "built in", since);
    }

    @Override
    public List<McpSchema.Tool> tools() {
        return tools;
    }

    @Override
    public boolean offersResources() {
        return false;
    }

    @Override
    public boolean offersPrompts() {
        return false;
    }

    @Override
    public McpSchema.CallToolResult callTool(String tool, Map<String, Object> arguments, Principal caller,
            Consumer<McpSchema.ProgressNotification> progress) {
        if (!filter.exposes(tool)) {
            throw new McpFailure(McpFailure.INVALID_PARAMS, "The MCP server 'gatehouse' has no tool '" + tool + "'.");
        }
        Object answer = switch (tool) {
            case "whoami" -> whoami(caller);
            case "my_models" -> Map.of("models", models(caller));
            case "my_budget" -> budgets(caller);
            case "my_usage" -> usage(caller, arguments);
            default -> throw new McpFailure(McpFailure.INVALID_PARAMS, "The MCP server 'gatehouse' has no tool '" + tool + "'.");
        };
        return McpSchema.CallToolResult.builder().addTextContent(toJson(answer)).structuredContent(answer).isError(false).build();
    }

    private static Map<String, Object> whoami(Principal caller) {
        Map<String, Object> who = new LinkedHashMap<>();
        who.put("authenticated_by", caller.kind());
        who.put("key_id", caller.keyId());
        who.put("user_id", caller.userId());
        who.put("team_id", caller.teamId());
        who.put("roles", List.copyOf(caller.roles()));
        return who;
    }

    private List<String> models(Principal caller) {
        List<String> models = new ArrayList<>();
        for (Route route : snapshot.get().routes().routes()) {
            if (caller.mayUseModel(route.publicName())) {
                models.add(route.publicName());
            }
        }
        return models;
    }

    private Map<String, Object> budgets(Principal caller) {
        List<Map.Entry<Budget, Balance>> balances;
        try {
            balances = enforcement.balances(caller).toCompletableFuture().get(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new McpFailure(McpFailure.UNAVAILABLE, "Budgets cannot be read right now; try again shortly.");
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (Map.Entry<Budget, Balance> e : balances) {
            Budget b = e.getKey();
            Balance balance = e.getValue();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", b.id());
            row.put("name", b.name());
            row.put("scope", b.scope().wire());
            row.put("period", b.period().wire());
            row.put("limit_usd", Micros.format(balance.limit()));
            row.put("spent_usd", Micros.format(balance.spent()));
            row.put("reserved_usd", Micros.format(balance.reserved()));
            row.put("remaining_usd", Micros.format(balance.remaining()));
            list.add(row);
        }
        return Map.of("budgets", list);
    }

    private Map<String, Object> usage(Principal caller, Map<String, Object> arguments) {
        int hours = 24;
        Object h = arguments == null ? null : arguments.get("hours");
        if (h instanceof Number n && n.intValue() >= 1 && n.intValue() <= 720) {
            hours = n.intValue();
        } else if (h != null) {
            throw new McpFailure(McpFailure.INVALID_PARAMS, "'hours' must be an integer from 1 to 720.");
        }
        Map<String, String> filters = new LinkedHashMap<>();
        if (caller.keyId() != null) {
            filters.put("key", caller.keyId());
        } else if (caller.userId() != null) {
            filters.put("user", caller.userId());
        } else if (caller.teamId() != null) {
            filters.put("team", caller.teamId());
        }
        long now = System.currentTimeMillis();
        List<UsageQuery.Row> rows = usage.summary(new UsageQuery.Query(now - Duration.ofHours(hours).toMillis(), now, null, "none",
                filters, null, 0, "cost"));
        long requests = 0;
        long errors = 0;
        long tokens = 0;
        long cost = 0;
        for (UsageQuery.Row r : rows) {
            requests += r.requests();
            errors += r.errors();
            tokens += r.totalTokens();
            cost += r.costMicros();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("hours", hours);
        out.put("scope", filters.isEmpty() ? "organisation" : filters.keySet().iterator().next());
        out.put("requests", requests);
        out.put("errors", errors);
        out.put("tokens", tokens);
        out.put("cost_usd", Micros.format(cost));
        return out;
    }

    @Override
    public McpSchema.ListResourcesResult listResources(String cursor, Principal caller) {
        throw new McpFailure(McpFailure.METHOD_NOT_FOUND, "The MCP server 'gatehouse' offers no resources.");
    }

    @Override
    public McpSchema.ListResourceTemplatesResult listResourceTemplates(String cursor, Principal caller) {
        throw new McpFailure(McpFailure.METHOD_NOT_FOUND, "The MCP server 'gatehouse' offers no resources.");
    }

    @Override
    public McpSchema.ReadResourceResult readResource(String uri, Principal caller) {
        throw new McpFailure(McpFailure.METHOD_NOT_FOUND, "The MCP server 'gatehouse' offers no resources.");
    }

    @Override
    public McpSchema.ListPromptsResult listPrompts(String cursor, Principal caller) {
        throw new McpFailure(McpFailure.METHOD_NOT_FOUND, "The MCP server 'gatehouse' offers no prompts.");
    }

    @Override
    public McpSchema.GetPromptResult getPrompt(String name, Map<String, Object> arguments, Principal caller) {
        throw new McpFailure(McpFailure.METHOD_NOT_FOUND, "The MCP server 'gatehouse' offers no prompts.");
    }

    @Override
    public void close() {}
}
