package dev.gatehouse.api.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.api.Ingress;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.responses.ResponsesStreamEncoder;
import dev.gatehouse.mcp.McpFailure;
import dev.gatehouse.mcp.ToolCalls;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntSupplier;

/**
 * Agent mode for {@code /v1/responses}: OpenAI's remote-MCP tool shape
 * ({@code {"type": "mcp", "server_label": "docs", "allowed_tools": [...], "require_approval": "never"}})
 * names gateway MCP servers; the gateway offers their tools to the model as function tools, runs
 * the calls it makes and asks again, as {@link ToolLoop} does for chat. The caller gets OpenAI's
 * output items for it: an {@code mcp_list_tools} item per server, an {@code mcp_call} item per
 * tool call (arguments, output or error), then the model's answer.
 *
 * <p>Each round is a {@code /v1/responses} request to this gateway with the caller's credentials
 * and {@code store: false}, so it is routed, translated for any provider, limited, budgeted and
 * logged like any call. The caller's own response (the assembled one) is stored by the Responses
 * API when the caller asked for it ({@link Store}). A streamed request gets the whole event stream
 * once the last round has answered (tool rounds are not streamed as they run).
 */
public final class ResponsesToolLoop {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AgentTools agent;

    public ResponsesToolLoop(ToolCalls tools, HttpClient loopback, String host, IntSupplier port) {
        this.agent = new AgentTools(tools, loopback, host, port);
    }

    /** Keeps the caller's finished response: the assembled one, and the items the tool rounds added to the conversation. */
    @FunctionalInterface
    public interface Store {
        Future<Void> put(ObjectNode response, ArrayNode toolItems);
    }

    /** A Responses body that names gateway MCP tools: the body without them (to decode and check), and the loop to run. */
    public final class Plan {
        private final ObjectNode request;
        private final List<McpToolset.Spec> specs;

        private Plan(ObjectNode request, List<McpToolset.Spec> specs) {
            this.request = request;
            this.specs = specs;
        }

        /** The body with the {@code mcp} tools taken out: what the Responses decoder checks, as for any request. */
        public Buffer plainBody() {
            ObjectNode plain = request.deepCopy();
            ArrayNode tools = plain.putArray("tools");
            request.path("tools").forEach(t -> {
                if (!"mcp".equals(t.path("type").asText(null))) {
                    tools.add(t);
                }
            });
            if (tools.isEmpty()) {
                plain.remove("tools");
            }
            return Buffer.buffer(plain.toString());
        }

        /** @param store keeps the response, or null (store: false, zero data retention) */
        public Ingress.Handoff handoff(Store store) {
            return (call, response) -> {
                McpToolset toolset = McpToolset.resolve(specs, call, agent.calls().state());
                return new Run(call, response, request, toolset, store).start();
            };
        }
    }

    /** The plan for a body naming MCP tools (in {@code tools} or the {@code x-gatehouse-mcp} header), or null. */
    public Plan plan(Buffer body, String header) {
        if (!agent.mayName(body, header)) {
            return null;
        }
        JsonNode request;
        try {
            request = JSON.readTree(body.getBytes());
        } catch (Exception e) {
            return null; // the ordinary path reports the bad body
        }
        if (!(request instanceof ObjectNode object)) {
            return null;
        }
        List<McpToolset.Spec> specs = McpToolset.specs(request, header);
        return specs.isEmpty() ? null : new Plan(object, specs);
    }

    /** One caller request's rounds. */
    private final class Run {
        private final Call call;
        private final HttpServerResponse out;
        private final ObjectNode original;
        private final McpToolset toolset;
        private final Store store;
        private final boolean stream;
        private final ObjectNode request;
        private final ArrayNode input;
        /** The caller's output items before the last round's: mcp_list_tools, then each round's items with mcp_call for function_call. */
        private final List<ObjectNode> items = new ArrayList<>();
        /** The function_call and function_call_output items the rounds added to the conversation. */
        private final ArrayNode toolItems = JSON.createArrayNode();
        private final Map<String, Long> usage = new LinkedHashMap<>();
        private final Promise<Void> done = Promise.promise();
        private int round;
        private int toolSeq;

        Run(Call call, HttpServerResponse out, ObjectNode original, McpToolset toolset, Store store) {
            this.call = call;
            this.out = out;
            this.original = original;
            this.toolset = toolset;
            this.store = store;
            this.stream = original.path("stream").asBoolean(false);
            this.request = original.deepCopy();
            request.put("stream", false);
            request.put("store", false);
            ArrayNode offered = JSON.createArrayNode();
            original.path("tools").forEach(t -> {
                if (!"mcp".equals(t.path("type").asText(null))) {
                    offered.add(t); // the caller's own tools stay; their calls end the loop
                }
            });
            Map<String, ArrayNode> listed = new LinkedHashMap<>();
            for (McpToolset.Tool t : toolset.tools().values()) {
                ObjectNode fn = offered.addObject().put("type", "function").put("name", t.name());
                if (t.tool().description() != null) {
                    fn.put("description", t.tool().description());
                }
                fn.set("parameters", t.tool().inputSchema() == null ? JSON.createObjectNode().put("type", "object")
                        : JSON.valueToTree(t.tool().inputSchema()));
                fn.put("strict", false);
                ObjectNode described = listed.computeIfAbsent(t.server().name(), s -> JSON.createArrayNode()).addObject()
                        .put("name", t.tool().name());
                if (t.tool().description() != null) {
                    described.put("description", t.tool().description());
                }
                described.set("input_schema", fn.get("parameters"));
                described.set("annotations", t.tool().annotations() == null ? JSON.nullNode() : JSON.valueToTree(t.tool().annotations()));
            }
            request.set("tools", offered);
            listed.forEach((server, tools) -> {
                ObjectNode item = JSON.createObjectNode().put("id", "mcpl_" + id()).put("type", "mcp_list_tools")
                        .put("server_label", server);
                item.set("tools", tools);
                item.putNull("error");
                items.add(item);
            });
            JsonNode given = original.get("input");
            input = JSON.createArrayNode();
            if (given != null && given.isTextual()) {
                input.addObject().put("type", "message").put("role", "user").put("content", given.asText());
            } else if (given != null && given.isArray()) {
                input.addAll((ArrayNode) given);
            }
            request.set("input", input);
        }

        Future<Void> start() {
            next();
            return done.future();
        }

        private void next() {
            round++;
            GatewayException past = agent.pastLastRound(round);
            if (past != null) {
                fail(past);
                return;
            }
            agent.round(call, "/v1/responses", request.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), this::answered)
                    .onFailure(this::fail);
        }

        private void answered(HttpClientResponse response) {
            response.body().onFailure(this::fail).onSuccess(body -> {
                ObjectNode answer;
                try {
                    answer = AgentTools.answerOf(response, body, out, done); // null: the round's own error, in the Responses API's shape, passed on
                } catch (Exception e) {
                    fail(e);
                    return;
                }
                if (answer == null) {
                    return;
                }
                addUsage(answer.path("usage"));
                List<ObjectNode> calls = new ArrayList<>();
                answer.path("output").forEach(item -> {
                    if ("function_call".equals(item.path("type").asText())) {
                        calls.add((ObjectNode) item);
                    }
                });
                if (calls.isEmpty() || !calls.stream().allMatch(c -> toolset.owns(c.path("name").asText("")))) {
                    finish(answer);
                    return;
                }
                runTools(answer, calls);
            });
        }

        /** Runs the round's tool calls (together), records them as mcp_call items, adds them to the input, and asks again. */
        private void runTools(ObjectNode answer, List<ObjectNode> calls) {
            List<Future<McpSchema.CallToolResult>> results = new ArrayList<>();
            for (ObjectNode c : calls) {
                results.add(agent.run(call, ++toolSeq, toolset.tools().get(c.path("name").asText()).exposed(), c.path("arguments").asText("{}")));
            }
            Future.join(results).onComplete(all -> {
                for (Future<McpSchema.CallToolResult> r : results) {
                    if (r.failed() && AgentTools.guardrail(r.cause())) {
                        fail(AgentTools.guardrailError(r.cause(), round));
                        return;
                    }
                }
                int next = 0;
                for (JsonNode item : answer.path("output")) {
                    if (!"function_call".equals(item.path("type").asText())) {
                        items.add((ObjectNode) item); // reasoning or text the model wrote before calling
                        input.add(item);
                        continue;
                    }
                    ObjectNode fc = (ObjectNode) item;
                    Future<McpSchema.CallToolResult> r = results.get(next++);
                    McpToolset.Tool tool = toolset.tools().get(fc.path("name").asText());
                    ObjectNode mcpCall = JSON.createObjectNode().put("id", "mcp_" + id()).put("type", "mcp_call")
                            .put("server_label", tool.server().name()).put("name", tool.tool().name())
                            .put("arguments", fc.path("arguments").asText("{}"));
                    mcpCall.putNull("approval_request_id");
                    String text;
                    if (r.succeeded() && !Boolean.TRUE.equals(r.result().isError())) {
                        text = AgentTools.text(r.result());
                        mcpCall.put("output", text).putNull("error").put("status", "completed");
                    } else if (r.succeeded()) {
                        // The tool ran and reported an error: OpenAI's mcp_tool_execution_error carries its content.
                        text = AgentTools.text(r.result());
                        ObjectNode error = mcpCall.putNull("output").putObject("error").put("type", "mcp_tool_execution_error");
                        error.set("content", JSON.valueToTree(r.result().content()));
                        mcpCall.put("status", "failed");
                    } else {
                        // The call failed in the protocol (unknown tool, denied, server down, timeout): its JSON-RPC error.
                        text = "Error: " + r.cause().getMessage();
                        int code = r.cause() instanceof McpFailure f ? f.code() : McpFailure.INTERNAL;
                        mcpCall.putNull("output").putObject("error").put("type", "mcp_protocol_error").put("code", code)
                                .put("message", r.cause().getMessage());
                        mcpCall.put("status", "failed");
                    }
                    items.add(mcpCall);
                    ObjectNode callItem = JSON.createObjectNode().put("type", "function_call").put("call_id", fc.path("call_id").asText())
                            .put("name", fc.path("name").asText()).put("arguments", fc.path("arguments").asText("{}"));
                    ObjectNode outputItem = JSON.createObjectNode().put("type", "function_call_output")
                            .put("call_id", fc.path("call_id").asText()).put("output", text);
                    input.add(callItem);
                    input.add(outputItem);
                    toolItems.add(callItem);
                    toolItems.add(outputItem);
                }
                next();
            });
        }

        /** The caller's response: the last round's, with the MCP items before its output, the whole loop's usage and the caller's tools. */
        private void finish(ObjectNode last) {
            ObjectNode response = last.deepCopy();
            ArrayNode output = JSON.createArrayNode();
            items.forEach(output::add);
            last.path("output").forEach(output::add);
            response.set("output", output);
            response.set("tools", original.path("tools").deepCopy());
            if (response.path("usage").isObject()) {
                ObjectNode u = (ObjectNode) response.get("usage");
                usage.forEach(u::put);
            }
            Future<Void> kept = store == null ? Future.succeededFuture() : store.put(response, toolItems);
            kept.onComplete(v -> {
                out.putHeader("x-gatehouse-mcp-rounds", Integer.toString(round));
                if (stream) {
                    out.putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache")
                            .end(ResponsesStreamEncoder.replay(response, -1));
                } else {
                    out.putHeader("content-type", "application/json").end(Buffer.buffer(response.toString()));
                }
                done.tryComplete();
            });
        }

        private void addUsage(JsonNode u) {
            for (String field : new String[] {"input_tokens", "output_tokens", "total_tokens"}) {
                if (u.path(field).isNumber()) {
                    usage.merge(field, u.path(field).asLong(), Long::sum);
                }
            }
        }

        private void fail(Throwable e) {
            GatewayException error = e instanceof GatewayException g ? g
                    : new GatewayException(ErrorType.UPSTREAM, "The tool loop failed in round " + round + ": " + e.getMessage(), null,
                            "mcp_round_failed");
            done.tryFail(error);
        }
    }

    private static String id() {
        return UUID.randomUUID().toString().replace("-", "");
    }
}
