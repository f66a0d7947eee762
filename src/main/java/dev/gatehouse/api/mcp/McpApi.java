package dev.gatehouse.api.mcp;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.api.Ingress;
import dev.gatehouse.call.AccessRules;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.gateway.InFlightLimit;
import dev.gatehouse.guardrails.GuardrailsStage;
import dev.gatehouse.http.ErrorWriter;
import dev.gatehouse.mcp.Cancellation;
import dev.gatehouse.mcp.McpFailure;
import dev.gatehouse.mcp.McpPermissions;
import dev.gatehouse.mcp.McpServers;
import dev.gatehouse.mcp.McpSessions;
import dev.gatehouse.mcp.McpUpstream;
import dev.gatehouse.mcp.ToolCalls;
import dev.gatehouse.mcp.ToolCatalog;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The MCP endpoint for callers: {@code /mcp} aggregates every upstream server the caller may use;
 * {@code /mcp/{server}} is one server with its tools under their own names. Streamable HTTP with
 * JSON-RPC 2.0: each POST carries one message; requests are answered with a JSON body, or with a
 * short event stream when the caller asked for progress on a tool call and accepts
 * {@code text/event-stream}. There is no server-initiated stream (GET is 405), as the transport allows.
 *
 * <p>Why our own handler rather than the SDK's server transport: the SDK's streamable-HTTP server
 * transports are written for servlets or Spring WebFlux/WebMvc, and its session model keeps state
 * in the node's memory. On Vert.x a servlet bridge would block event-loop threads, and a
 * gateway with several nodes needs sessions any node can continue. The protocol surface a
 * gateway serves (initialize, lists, calls, notifications) is small; the SDK's schema types
 * ({@link McpSchema}) are used for every message body, so the wire shapes are the SDK's.
 */
public final class McpApi {
    static final List<String> PROTOCOL_VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");
    private static final String SESSION_HEADER = "Mcp-Session-Id";
    private static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private final Ingress ingress;
    private final ToolCalls tools;
    private final McpSessions sessions;
    /** Requests in flight on this node, by caller and JSON-RPC id, for notifications/cancelled. */
    private final Map<String, Cancellation> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService blocking = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("gatehouse-mcp-list-", 0).factory());

    public McpApi(Ingress ingress, ToolCalls tools, McpSessions sessions) {
        this.ingress = ingress;
        this.tools = tools;
        this.sessions = sessions;
    }

    public void mount(Router router) {
        router.post("/mcp").handler(ctx -> handle(ctx, null));
        router.post("/mcp/:server").handler(ctx -> handle(ctx, ctx.pathParam("server")));
        for (String path : new String[] {"/mcp", "/mcp/:server"}) {
            router.get(path).handler(ctx -> ctx.response().setStatusCode(405).putHeader("allow", "POST, DELETE").end());
            // Sessions are stateless (signed ids): ending one needs nothing to be forgotten.
            router.delete(path).handler(ctx -> ctx.response().setStatusCode(204).end());
        }
    }

    private void handle(RoutingContext ctx, String serverName) {
        if (ingress.gateway().inFlight().draining()) {
            // A stopping node takes no new tool call (its connection closes after this answer, so
            // the client's retry reaches another node); the ones that arrived before are finished.
            GatewayException stopping = InFlightLimit.stopping();
            ctx.response().setStatusCode(stopping.status())
                    .putHeader("Retry-After", Long.toString(stopping.retryAfter().toSeconds()));
            writeError(ctx.response(), null, McpFailure.INTERNAL, stopping.getMessage(), Map.of("code", "draining"));
            return;
        }
        Call call = new Call(ctx.get(ErrorWriter.REQUEST_ID), Endpoint.MCP_TOOL_CALL, ctx.request().headers(), System.nanoTime());
        call.clientAddress(ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress());
        ingress.admitAndRead(call, ctx.request()).onComplete(read -> {
            if (read.failed()) {
                GatewayException e = read.cause() instanceof GatewayException g ? g : null;
                int status = e == null ? 500 : e.status();
                int code = status == 401 ? -32001 : status == 413 || status == 415 ? McpFailure.INVALID_REQUEST : McpFailure.INTERNAL;
                writeError(ctx.response().setStatusCode(status), null, code, e == null ? "The request could not be read." : e.getMessage(), null);
                return;
            }
            JsonNode message;
            try {
                message = JSON.readTree(read.result().getBytes());
            } catch (Exception parse) {
                writeError(ctx.response().setStatusCode(400), null, McpFailure.PARSE_ERROR, "The body is not valid JSON.", null);
                return;
            }
            try {
                dispatch(ctx, call, serverName, message);
            } catch (McpFailure f) {
                writeError(ctx.response(), message.get("id"), f.code(), f.getMessage(), f.data());
            }
        });
    }

    private void dispatch(RoutingContext ctx, Call call, String serverName, JsonNode message) {
        HttpServerResponse response = ctx.response();
        if (message.isArray()) {
            throw new McpFailure(McpFailure.INVALID_REQUEST, "Batches are not supported: send one JSON-RPC message per request.");
        }
        if (!message.isObject() || !"2.0".equals(message.path("jsonrpc").asText(null))) {
            throw new McpFailure(McpFailure.INVALID_REQUEST, "A JSON-RPC 2.0 message needs \"jsonrpc\": \"2.0\".");
        }
        JsonNode id = message.get("id");
        String method = message.path("method").asText(null);
        if (method == null) {
            // A response from the client (to a request the gateway never makes) or garbage: accepted and ignored.
            response.setStatusCode(202).end();
            return;
        }
        McpServers.State state = tools.state();
        McpUpstream only = null;
        if (serverName != null) {
            only = state.servers().get(serverName);
            AccessRules.Denial denial = only == null ? null : McpPermissions.server(call.principal(), serverName);
            if (only == null || denial != null) {
                // Unknown and not permitted look the same: a caller learns nothing about servers it may not use.
                writeError(response.setStatusCode(404), id, McpFailure.INVALID_REQUEST, "No MCP server '" + serverName
                        + "' for this key" + (denial == null ? "." : " (" + denial.reason() + ")"), denial == null ? null
                        : Map.of("policy", denial.policy()));
                return;
            }
        }
        if (!method.equals("initialize")) {
            String sessionId = ctx.request().getHeader(SESSION_HEADER);
            if (sessionId != null && sessions.verify(sessionId, call.principal().id()) == null) {
                writeError(response.setStatusCode(404), id, McpFailure.INVALID_REQUEST,
                        "Unknown or expired MCP session: initialize again.", null);
                return;
            }
        }
        JsonNode params = message.path("params");
        McpUpstream scope = only;
        if (id == null || id.isNull()) {
            notification(method, params, call);
            response.setStatusCode(202).end();
            return;
        }
        switch (method) {
            case "initialize" -> initialize(response, id, params, call, state, only);
            case "ping" -> writeResult(response, id, Map.of());
            case "tools/list" -> writeResult(response, id, Map.of("tools", toolList(call, state, only)));
            case "tools/call" -> toolCall(ctx, call, id, params, only);
            case "resources/list", "resources/templates/list", "resources/read", "prompts/list", "prompts/get" ->
                    offBlocking(response, id, () -> resourcesAndPrompts(method, params, call, state, scope));
            default -> throw new McpFailure(McpFailure.METHOD_NOT_FOUND, "Method not found: " + method);
        }
    }

    private void notification(String method, JsonNode params, Call call) {
        if (method.equals("notifications/cancelled")) {
            JsonNode requestId = params.get("requestId");
            if (requestId != null) {
                Cancellation c = inFlight.get(flightKey(call, requestId));
                if (c != null) {
                    c.cancel();
                }
            }
        }
        // notifications/initialized, roots/list_changed and others need nothing from a stateless gateway
    }

    private static String flightKey(Call call, JsonNode id) {
        return call.principal().id() + "\n" + id;
    }

    private void initialize(HttpServerResponse response, JsonNode id, JsonNode params, Call call, McpServers.State state,
            McpUpstream only) {
        String asked = params.path("protocolVersion").asText("");
        String version = PROTOCOL_VERSIONS.contains(asked) ? asked : PROTOCOL_VERSIONS.get(1);
        boolean resources = false;
        boolean prompts = false;
        for (McpUpstream s : only != null ? List.of(only) : state.servers().values()) {
            if (McpPermissions.server(call.principal(), s.name()) == null) {
                resources |= s.offersResources();
                prompts |= s.offersPrompts();
            }
        }
        Map<String, Object> capabilities = new LinkedHashMap<>();
        capabilities.put("tools", Map.of("listChanged", false));
        if (resources) {
            capabilities.put("resources", Map.of("listChanged", false, "subscribe", false));
        }
        if (prompts) {
            capabilities.put("prompts", Map.of("listChanged", false));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("protocolVersion", version);
        result.put("capabilities", capabilities);
        result.put("serverInfo", Map.of("name", only == null ? "gatehouse" : "gatehouse/" + only.name(), "version", "0.1.0"));
        result.put("instructions", only == null
                ? "Tools of every MCP server this key may use, named server" + state.catalog().separator() + "tool."
                : "Tools of the MCP server '" + only.name() + "' through Gatehouse.");
        response.putHeader(SESSION_HEADER, sessions.issue(call.principal().id(), version));
        writeResult(response, id, result);
    }

    private List<McpSchema.Tool> toolList(Call call, McpServers.State state, McpUpstream only) {
        List<McpSchema.Tool> list = new ArrayList<>();
        if (only != null) {
            for (McpSchema.Tool t : only.tools()) {
                if (McpPermissions.tool(call.principal(), only.name(), t.name()) == null) {
                    list.add(t);
                }
            }
            return list;
        }
        for (ToolCatalog.Entry e : state.catalog().index().byName().values()) {
            if (McpPermissions.tool(call.principal(), e.server().name(), e.tool().name()) == null) {
                McpSchema.Tool t = e.tool();
                list.add(new McpSchema.Tool(e.exposedName(), t.title(), t.description(), t.inputSchema(), t.outputSchema(),
                        t.annotations(), t.meta(), t.icons()));
            }
        }
        return list;
    }

    @SuppressWarnings("unchecked")
    private void toolCall(RoutingContext ctx, Call call, JsonNode id, JsonNode params, McpUpstream only) {
        String name = params.path("name").asText(null);
        JsonNode args = params.get("arguments");
        ToolCalls.Resolved tool;
        try {
            if (name == null || name.isEmpty()) {
                throw new McpFailure(McpFailure.INVALID_PARAMS, "tools/call needs params.name, the tool to call.");
            }
            if (args != null && !args.isNull() && !args.isObject()) {
                throw new McpFailure(McpFailure.INVALID_PARAMS, "params.arguments must be an object.");
            }
            tool = tools.resolve(call, name, only);
        } catch (McpFailure f) {
            tools.refused(call, name, f);
            throw f;
        }
        Map<String, Object> arguments = args == null || args.isNull() ? Map.of() : JSON.convertValue(args, Map.class);
        JsonNode progressToken = params.path("_meta").get("progressToken");
        String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
        boolean stream = progressToken != null && accept != null && accept.contains("text/event-stream");
        HttpServerResponse response = ctx.response();
        Cancellation cancellation = new Cancellation();
        String key = flightKey(call, id);
        inFlight.put(key, cancellation);
        var context = io.vertx.core.Vertx.currentContext();
        if (stream) {
            response.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream").putHeader("cache-control", "no-cache");
        }
        java.util.function.Consumer<McpSchema.ProgressNotification> progress = !stream ? null : n -> context.runOnContext(v -> {
            if (!response.ended() && !response.closed()) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("progressToken", JSON.convertValue(progressToken, Object.class));
                p.put("progress", n.progress());
                if (n.total() != null) {
                    p.put("total", n.total());
                }
                if (n.message() != null) {
                    p.put("message", n.message());
                }
                response.write(event(Map.of("jsonrpc", "2.0", "method", "notifications/progress", "params", p)));
            }
        });
        response.closeHandler(v -> cancellation.cancel()); // the caller went away: stop waiting for the server
        tools.call(call, tool, arguments, progress, cancellation).onComplete(done -> {
            inFlight.remove(key);
            if (response.ended() || response.closed()) {
                return;
            }
            Object body = done.succeeded() ? rpcResult(id, done.result())
                    : rpcError(id, done.cause() instanceof McpFailure f ? f : new McpFailure(McpFailure.INTERNAL, done.cause().getMessage()));
            if (stream) {
                response.end(event(body));
            } else {
                GuardrailsStage.header(call); // which guardrails judged the arguments and the result
                call.applyResponseHeaders(response);
                writeJson(response, body);
            }
        });
    }

    private Object resourcesAndPrompts(String method, JsonNode params, Call call, McpServers.State state, McpUpstream only) {
        List<McpUpstream> servers = new ArrayList<>();
        for (McpUpstream s : only != null ? List.of(only) : state.servers().values()) {
            boolean offers = method.startsWith("resources") ? s.offersResources() : s.offersPrompts();
            if (offers && s.health().up() && McpPermissions.server(call.principal(), s.name()) == null) {
                servers.add(s);
            }
        }
        String separator = state.catalog().separator();
        switch (method) {
            case "resources/list" -> {
                List<McpSchema.Resource> all = new ArrayList<>();
                for (McpUpstream s : servers) {
                    all.addAll(s.listResources(null, call.principal()).resources());
                }
                return Map.of("resources", all);
            }
            case "resources/templates/list" -> {
                List<McpSchema.ResourceTemplate> all = new ArrayList<>();
                for (McpUpstream s : servers) {
                    all.addAll(s.listResourceTemplates(null, call.principal()).resourceTemplates());
                }
                return Map.of("resourceTemplates", all);
            }
            case "resources/read" -> {
                String uri = params.path("uri").asText(null);
                if (uri == null) {
                    throw new McpFailure(McpFailure.INVALID_PARAMS, "resources/read needs params.uri.");
                }
                McpFailure last = null;
                for (McpUpstream s : servers) {
                    try {
                        return s.readResource(uri, call.principal());
                    } catch (McpFailure f) {
                        last = f;
                    }
                }
                throw last != null && servers.size() == 1 ? last
                        : new McpFailure(-32002, "Resource not found: " + uri);
            }
            case "prompts/list" -> {
                List<McpSchema.Prompt> all = new ArrayList<>();
                for (McpUpstream s : servers) {
                    for (McpSchema.Prompt p : s.listPrompts(null, call.principal()).prompts()) {
                        String name = only == null && s.config().prefix() ? s.name() + separator + p.name() : p.name();
                        all.add(new McpSchema.Prompt(name, p.title(), p.description(), p.arguments(), p.meta()));
                    }
                }
                return Map.of("prompts", all);
            }
            default -> { // prompts/get
                String name = params.path("name").asText(null);
                if (name == null) {
                    throw new McpFailure(McpFailure.INVALID_PARAMS, "prompts/get needs params.name.");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> arguments = params.has("arguments") ? JSON.convertValue(params.get("arguments"), Map.class) : Map.of();
                for (McpUpstream s : servers) {
                    String own = only != null || !s.config().prefix() ? name
                            : name.startsWith(s.name() + separator) ? name.substring(s.name().length() + separator.length()) : null;
                    if (own == null) {
                        continue;
                    }
                    try {
                        return s.getPrompt(own, arguments, call.principal());
                    } catch (McpFailure f) {
                        if (only != null || s.config().prefix()) {
                            throw f;
                        }
                    }
                }
                throw new McpFailure(McpFailure.INVALID_PARAMS, "Unknown prompt '" + name + "'.");
            }
        }
    }

    /** Runs a request that asks upstream servers (blocking) on a virtual thread and answers on the event loop. */
    private void offBlocking(HttpServerResponse response, JsonNode id, java.util.function.Supplier<Object> work) {
        var context = io.vertx.core.Vertx.currentContext();
        Promise<Object> promise = Promise.promise();
        blocking.execute(() -> {
            try {
                Object result = work.get();
                context.runOnContext(v -> promise.complete(result));
            } catch (RuntimeException e) {
                context.runOnContext(v -> promise.fail(e));
            }
        });
        Future<Object> done = promise.future();
        done.onComplete(r -> {
            if (r.succeeded()) {
                writeResult(response, id, r.result());
            } else {
                McpFailure f = r.cause() instanceof McpFailure m ? m : new McpFailure(McpFailure.INTERNAL, r.cause().getMessage());
                writeError(response, id, f.code(), f.getMessage(), f.data());
            }
        });
    }

    private static Map<String, Object> rpcResult(JsonNode id, Object result) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("jsonrpc", "2.0");
        body.put("id", id);
        body.put("result", result);
        return body;
    }

    private static Map<String, Object> rpcError(JsonNode id, McpFailure f) {
        return rpcError(id, f.code(), f.getMessage(), f.data());
    }

    private static Map<String, Object> rpcError(JsonNode id, int code, String message, Object data) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        if (data != null) {
            error.put("data", data);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("jsonrpc", "2.0");
        body.put("id", id == null ? null : id);
        body.put("error", error);
        return body;
    }

    private static void writeResult(HttpServerResponse response, JsonNode id, Object result) {
        writeJson(response, rpcResult(id, result));
    }

    private static void writeError(HttpServerResponse response, JsonNode id, int code, String message, Object data) {
        writeJson(response, rpcError(id, code, message, data));
    }

    private static void writeJson(HttpServerResponse response, Object body) {
        if (response.ended() || response.closed()) {
            return;
        }
        response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(Buffer.buffer(bytes(body)));
    }

    private static Buffer event(Object body) {
        return Buffer.buffer("event: message\ndata: ").appendBytes(bytes(body)).appendString("\n\n");
    }

    private static byte[] bytes(Object body) {
        try {
            // JSON-RPC ids may be null in error replies: keep the field (NON_NULL would drop it)
            ObjectNode tree = JSON.valueToTree(body);
            if (body instanceof Map<?, ?> m && m.containsKey("id") && m.get("id") == null) {
                tree.putNull("id");
            }
            return JSON.writeValueAsBytes(tree);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IllegalStateException(e);
        }
    }

    public void close() {
        blocking.shutdownNow();
    }

}
