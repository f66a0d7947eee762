package dev.gatehouse.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.call.AccessRules;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallListener;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Pipeline;
import dev.gatehouse.call.Settlement;
import dev.gatehouse.guardrails.Guardrails;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.Map.Entry;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs one {@code tools/call} for an admitted caller, the same way for {@code /mcp} and for the
 * gateway's own tool loop: resolve the name, check the caller's policies (deny by default), run
 * the rate-limit and budget stages, call the server off the event loop within its timeout, and
 * account for it once: a request-log record (key, team, user, server, tool, status, latency,
 * argument and result sizes, the tool's price), metrics and the budget's settlement.
 */
public final class ToolCalls {
    static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);

    private final Supplier<McpServers.State> servers;
    private final Pipeline limits;
    private final CallListener listener;
    private final McpMetrics metrics;
    private final ToolGuard guard;
    private final ExecutorService blocking = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("gatehouse-mcp-call-", 0).factory());

    /**
     * @param limits the rate-limit and budget stages (the model API's own)
     * @param listener told about each finished call (settlement first, then request log, metrics, traces)
     */
    public ToolCalls(Supplier<McpServers.State> servers, Pipeline limits, CallListener listener, McpMetrics metrics) {
        this(servers, limits, listener, metrics, null);
    }

    /** @param guardrails the configured guardrails, run on every call's arguments and result (null: none) */
    public ToolCalls(Supplier<McpServers.State> servers, Pipeline limits, CallListener listener, McpMetrics metrics,
            Guardrails guardrails) {
        this.servers = servers;
        this.limits = limits;
        this.listener = listener;
        this.metrics = metrics;
        this.guard = new ToolGuard(guardrails);
    }

    public McpServers.State state() {
        return servers.get();
    }

    /** A tool resolved for a caller: the server, the upstream tool name, and the name the caller used. */
    public record Resolved(McpUpstream server, String tool, String exposedName) {}

    /**
     * The tool {@code name} resolves to, for this caller, or a failure: unknown tools and tools the
     * caller may not use fail differently (the latter names the policy that denied it).
     *
     * @param only the server of a {@code /mcp/{server}} endpoint (names are then the tool's own), or null
     */
    public Resolved resolve(Call call, String name, McpUpstream only) {
        McpServers.State state = servers.get();
        McpUpstream server;
        String tool;
        if (only != null) {
            server = only;
            tool = name;
            if (server.tools().stream().noneMatch(t -> t.name().equals(name))) {
                throw unknown(name, server);
            }
        } else {
            ToolCatalog.Entry entry = state.catalog().index().byName().get(name);
            if (entry == null) {
                throw unknown(name, null);
            }
            server = entry.server();
            tool = entry.tool().name();
        }
        AccessRules.Denial denial = McpPermissions.tool(call.principal(), server.name(), tool);
        if (denial != null) {
            throw denied(denial);
        }
        return new Resolved(server, tool, only != null ? state.catalog().exposedName(server, tool) : name);
    }

    static McpFailure denied(AccessRules.Denial denial) {
        return new McpFailure(McpFailure.DENIED, denial.reason(), Map.of("policy", denial.policy()));
    }

    private static McpFailure unknown(String name, McpUpstream server) {
        return new McpFailure(McpFailure.INVALID_PARAMS, "Unknown tool '" + name + "'"
                + (server == null ? "" : " on MCP server '" + server.name() + "'")
                + " (tools/list shows the tools this key may call; a server that is down lists none).");
    }

    /**
     * Runs the call. The future fails with an {@link McpFailure}; a tool that ran but reported an
     * error ({@code isError}) succeeds with that result, as MCP asks.
     *
     * @param call admitted (principal set), not yet finished; this method finishes and accounts for it
     * @param progress told of the server's progress notifications, or null
     */
    public Future<McpSchema.CallToolResult> call(Call call, Resolved tool, Map<String, Object> arguments,
            Consumer<McpSchema.ProgressNotification> progress) {
        return call(call, tool, arguments, progress, new Cancellation());
    }

    /** @param cancellation lets the caller stop the call while the server works on it */
    public Future<McpSchema.CallToolResult> call(Call call, Resolved tool, Map<String, Object> arguments,
            Consumer<McpSchema.ProgressNotification> progress, Cancellation cancellation) {
        Context context = Vertx.currentContext();
        byte[] argumentBytes = bytes(arguments == null ? Map.of() : arguments);
        call.model(tool.exposedName());
        call.requestSize(argumentBytes.length, 0);
        call.captureRequest(Buffer.buffer(argumentBytes));
        long start = System.nanoTime();
        Future<Void> admitted;
        try {
            admitted = limits.run(call);
        } catch (RuntimeException e) {
            admitted = Future.failedFuture(e);
        }
        GatewayException[] refusal = new GatewayException[1];
        McpSchema.CallToolResult[] upstream = new McpSchema.CallToolResult[1];
        return admitted.recover(e -> {
                    refusal[0] = e instanceof GatewayException g ? g : null;
                    return Future.failedFuture(limited(e));
                })
                .compose(v -> guard.arguments(call, arguments == null ? Map.of() : arguments))
                .compose(checkedArguments -> {
                    Promise<McpSchema.CallToolResult> promise = Promise.promise();
                    blocking.execute(() -> {
                        cancellation.running(Thread.currentThread());
                        try {
                            McpSchema.CallToolResult result = tool.server().callTool(tool.tool(), checkedArguments, call.principal(), progress);
                            if (cancellation.cancelled()) {
                                throw new McpFailure(McpFailure.CANCELLED, "The request was cancelled.");
                            }
                            complete(context, () -> promise.complete(result));
                        } catch (RuntimeException e) {
                            McpFailure failure = cancellation.cancelled() ? new McpFailure(McpFailure.CANCELLED, "The request was cancelled.")
                                    : e instanceof McpFailure f ? f
                                    : new McpFailure(McpFailure.INTERNAL, "The tool call failed: " + SdkUpstream.shortMessage(e));
                            complete(context, () -> promise.fail(failure));
                        } finally {
                            cancellation.done();
                        }
                    });
                    return promise.future();
                })
                .compose(result -> {
                    upstream[0] = result;
                    return guard.result(call, result);
                })
                .andThen(done -> account(call, tool, upstream[0], done.succeeded() ? done.result() : null, done.cause(), refusal[0],
                        argumentBytes.length, start));
    }

    private static void complete(Context context, Runnable action) {
        if (context == null) {
            action.run();
        } else {
            context.runOnContext(v -> action.run());
        }
    }

    private static McpFailure limited(Throwable e) {
        if (e instanceof McpFailure f) {
            return f;
        }
        if (e instanceof GatewayException g) {
            return new McpFailure(McpFailure.LIMITED, g.getMessage(), Map.of("type", g.type().name().toLowerCase(java.util.Locale.ROOT)));
        }
        return new McpFailure(McpFailure.INTERNAL, "The call could not be admitted: " + SdkUpstream.shortMessage(e));
    }

    /**
     * @param upstream what the server answered (null when it was not reached or failed)
     * @param result what the caller gets (the answer after the output guardrails), null on a failure
     */
    private void account(Call call, Resolved tool, McpSchema.CallToolResult upstream, McpSchema.CallToolResult result,
            Throwable failure, GatewayException refusal, int argumentBytes, long start) {
        long elapsed = System.nanoTime() - start;
        McpFailure f = failure == null ? null : failure instanceof McpFailure m ? m
                : new McpFailure(McpFailure.INTERNAL, String.valueOf(failure.getMessage()));
        byte[] resultBytes = result == null ? new byte[0] : bytes(result);
        boolean guardrail = f != null && f.errorClass().startsWith("guardrail_");
        // A call refused by a rate limit, a budget or an input guardrail never reached the server: no attempt.
        if (upstream != null) {
            call.addAttempt(new Call.Attempt(tool.server().name(), tool.tool(), 200,
                    Boolean.TRUE.equals(upstream.isError()) ? "tool_error" : null, elapsed));
        } else if (f == null || f.code() != McpFailure.LIMITED && !guardrail) {
            call.addAttempt(new Call.Attempt(tool.server().name(), tool.tool(), f == null ? 200 : f.status(),
                    f == null ? (Boolean.TRUE.equals(result.isError()) ? "tool_error" : null) : f.errorClass(), elapsed));
        }
        call.tags(sizes(call.tags(), argumentBytes, resultBytes.length));
        if (result != null) {
            call.captureResponse(Buffer.buffer(resultBytes));
        }
        call.finish();
        // The tool's price is owed once the server did the work, even when a guardrail withholds its result.
        long price = upstream != null ? tool.server().config().price(tool.tool()) : 0;
        call.settle(new Settlement(null, false, price)); // the tool's price: the budget and the request log read this
        metrics.record(tool.server().name(), tool.tool(), f == null ? (Boolean.TRUE.equals(result.isError()) ? "tool_error" : "ok")
                : f.errorClass(), elapsed, price);
        listener.completed(call, f == null ? null : refusal != null ? refusal : asGatewayException(f));
    }

    /**
     * Accounts for a tools/call refused before it could run (unknown tool, denied by policy,
     * invalid arguments): it is in the request log too, with the name the caller used.
     */
    public void refused(Call call, String name, McpFailure failure) {
        call.model(name == null ? "" : name);
        call.finish();
        call.settle(Settlement.NONE);
        metrics.refused(failure.errorClass());
        listener.completed(call, asGatewayException(failure));
    }

    static GatewayException asGatewayException(McpFailure f) {
        ErrorType type = switch (f.code()) {
            case McpFailure.DENIED -> ErrorType.PERMISSION;
            case McpFailure.LIMITED -> ErrorType.RATE_LIMIT;
            case McpFailure.TIMEOUT -> ErrorType.TIMEOUT;
            case McpFailure.UNAVAILABLE -> ErrorType.UNAVAILABLE;
            case McpFailure.CANCELLED -> ErrorType.CLIENT_CLOSED;
            case McpFailure.INVALID_PARAMS, McpFailure.INVALID_REQUEST, McpFailure.METHOD_NOT_FOUND, McpFailure.GUARDRAIL_BLOCKED ->
                    ErrorType.INVALID_REQUEST;
            default -> ErrorType.UPSTREAM;
        };
        return new GatewayException(type, f.getMessage(), null, f.errorClass(), null, f.status());
    }

    /** The argument and result sizes, kept as gateway tags on the request-log record. */
    private static Map<String, String> sizes(Map<String, String> tags, int arguments, int result) {
        Map<String, String> all = new java.util.LinkedHashMap<>();
        for (Entry<String, String> e : tags.entrySet()) {
            all.put(e.getKey(), e.getValue());
        }
        all.put("mcp.arguments_bytes", Integer.toString(arguments));
        all.put("mcp.result_bytes", Integer.toString(result));
        return all;
    }

    static byte[] bytes(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new McpFailure(McpFailure.INVALID_PARAMS, "The arguments are not serialisable JSON.");
        }
    }

    public void close() {
        blocking.shutdownNow();
    }
}
