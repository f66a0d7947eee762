package dev.gatehouse.api.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.api.Ingress;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import dev.gatehouse.mcp.ToolCalls;
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
import java.util.function.IntSupplier;

/**
 * Agent mode for {@code /v1/chat/completions}: the gateway offers the named MCP tools to the model
 * as function tools, runs the calls the model makes (each a {@code tools/call} under the caller's
 * policies, limits and budgets, in the request log), feeds the results back and asks again, until
 * the model answers or {@code mcp.max-rounds} is reached.
 *
 * <p>The loop sits above the executor: each round is an ordinary chat-completions request to this
 * gateway, with the caller's own credentials, so every round is routed, translated for whatever
 * provider serves the model (tools in its own format, through the canonical model), retried,
 * limited, budgeted, settled and logged like any call. A streamed request gets its rounds'
 * answers streamed as they come, and each tool round reported as an SSE comment line
 * ({@code : gatehouse-mcp round 1: docs__search ok}), which clients ignore.
 */
public final class ToolLoop {
    /** The header naming MCP servers or tools for clients that cannot add tools to the body. */
    public static final String HEADER = McpToolset.HEADER;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AgentTools agent;

    /**
     * @param host the address this gateway listens on (a wildcard address is reached on loopback)
     * @param port the port it listens on (the rounds are sent there)
     */
    public ToolLoop(ToolCalls tools, HttpClient loopback, String host, IntSupplier port) {
        this.agent = new AgentTools(tools, loopback, host, port);
    }

    /**
     * The handoff for a chat body that names MCP tools, or null (the usual path, untouched) when
     * it names none. Cheap for ordinary requests: the body is parsed only when it mentions mcp.
     */
    public Ingress.Handoff handoff(Buffer body, String header) {
        if (!agent.mayName(body, header)) {
            return null;
        }
        JsonNode request;
        try {
            request = JSON.readTree(body.getBytes());
        } catch (Exception e) {
            return null; // the ordinary path reports the bad body
        }
        List<McpToolset.Spec> specs = McpToolset.specs(request, header);
        if (specs.isEmpty()) {
            return null;
        }
        return (call, response) -> {
            McpToolset toolset = McpToolset.resolve(specs, call, agent.calls().state());
            return new Run(call, response, (ObjectNode) request, toolset).start();
        };
    }

    /** One caller request's rounds. */
    private final class Run {
        private final Call call;
        private final HttpServerResponse out;
        private final ObjectNode request;
        private final McpToolset toolset;
        private final boolean stream;
        private final ArrayNode messages;
        private final List<Map<String, Object>> report = new ArrayList<>();
        private final Promise<Void> done = Promise.promise();
        private int round;
        private int toolSeq;

        Run(Call call, HttpServerResponse out, ObjectNode request, McpToolset toolset) {
            this.call = call;
            this.out = out;
            this.request = request.deepCopy();
            this.toolset = toolset;
            this.stream = request.path("stream").asBoolean(false);
            this.messages = this.request.withArray("messages");
            ArrayNode offered = JSON.createArrayNode();
            request.path("tools").forEach(t -> {
                if (!"mcp".equals(t.path("type").asText(null))) {
                    offered.add(t); // the caller's own tools stay; their calls end the loop
                }
            });
            for (McpToolset.Tool t : toolset.tools().values()) {
                ObjectNode fn = offered.addObject().put("type", "function").putObject("function");
                fn.put("name", t.name());
                if (t.tool().description() != null) {
                    fn.put("description", t.tool().description());
                }
                fn.set("parameters", t.tool().inputSchema() == null ? JSON.createObjectNode().put("type", "object")
                        : JSON.valueToTree(t.tool().inputSchema()));
            }
            this.request.set("tools", offered);
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
            byte[] body;
            try {
                body = JSON.writeValueAsBytes(request);
            } catch (Exception e) {
                fail(e);
                return;
            }
            agent.round(call, "/v1/chat/completions", body, this::answered)
                    .onFailure(this::fail);
        }

        private void answered(HttpClientResponse response) {
            if (response.statusCode() != 200) {
                response.body().onSuccess(b -> {
                    if (!out.headWritten()) {
                        out.setStatusCode(response.statusCode()).putHeader("content-type", "application/json").end(b);
                        done.tryComplete();
                    } else {
                        fail(new GatewayException(ErrorType.UPSTREAM, "Round " + round + " failed with status " + response.statusCode()
                                + ".", null, "mcp_round_failed"));
                    }
                }).onFailure(this::fail);
                return;
            }
            if (stream) {
                new StreamedRound(response).run();
            } else {
                response.body().onSuccess(this::wholeRound).onFailure(this::fail);
            }
        }

        private void wholeRound(Buffer body) {
            ObjectNode answer;
            try {
                answer = (ObjectNode) JSON.readTree(body.getBytes());
            } catch (Exception e) {
                fail(e);
                return;
            }
            JsonNode message = answer.path("choices").path(0).path("message");
            List<JsonNode> calls = new ArrayList<>();
            message.path("tool_calls").forEach(calls::add);
            if (calls.isEmpty() || !allOurs(calls)) {
                answer.set("gatehouse_mcp", JSON.valueToTree(Map.of("rounds", round, "tool_calls", report)));
                out.putHeader("content-type", "application/json").putHeader("x-gatehouse-mcp-rounds", Integer.toString(round))
                        .end(Buffer.buffer(answer.toString()));
                done.tryComplete();
                return;
            }
            runTools(message, calls);
        }

        private boolean allOurs(List<JsonNode> calls) {
            return calls.stream().allMatch(c -> toolset.owns(c.path("function").path("name").asText("")));
        }

        /** Runs the round's tool calls (together), appends the assistant turn and the results, and asks again. */
        private void runTools(JsonNode assistant, List<JsonNode> calls) {
            ObjectNode turn = messages.addObject();
            turn.put("role", "assistant");
            turn.set("content", assistant.path("content").isMissingNode() ? JSON.nullNode() : assistant.get("content"));
            turn.set("tool_calls", JSON.valueToTree(calls));
            List<Future<String>> results = new ArrayList<>();
            for (JsonNode c : calls) {
                results.add(runTool(c.path("function").path("name").asText(), c.path("function").path("arguments").asText("{}")));
            }
            Future.join(results).onComplete(all -> {
                for (Future<String> r : results) {
                    if (r.failed() && AgentTools.guardrail(r.cause())) {
                        fail(AgentTools.guardrailError(r.cause(), round));
                        return;
                    }
                }
                StringBuilder line = new StringBuilder(": gatehouse-mcp round ").append(round).append(':');
                for (int i = 0; i < calls.size(); i++) {
                    Future<String> r = results.get(i);
                    String name = calls.get(i).path("function").path("name").asText();
                    boolean ok = r.succeeded();
                    report.add(Map.of("round", round, "name", name, "ok", ok));
                    line.append(' ').append(name).append(ok ? " ok" : " error");
                    messages.addObject().put("role", "tool").put("tool_call_id", calls.get(i).path("id").asText())
                            .put("content", ok ? r.result() : "Error: " + r.cause().getMessage());
                }
                if (stream) {
                    openStream();
                    out.write(line.append("\n\n").toString());
                }
                next();
            });
        }

        private Future<String> runTool(String name, String arguments) {
            return agent.run(call, ++toolSeq, toolset.tools().get(name).exposed(), arguments).map(AgentTools::text);
        }

        private void openStream() {
            if (!out.headWritten()) {
                out.setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache")
                        .putHeader("x-gatehouse-mcp", "agent");
            }
        }

        private void fail(Throwable e) {
            GatewayException error = e instanceof GatewayException g ? g
                    : new GatewayException(ErrorType.UPSTREAM, "The tool loop failed in round " + round + ": " + e.getMessage(), null,
                            "mcp_round_failed");
            if (out.headWritten()) {
                if (!out.ended()) {
                    out.end(OpenAiErrors.sseEvent(error));
                }
                done.tryComplete();
            } else {
                done.tryFail(error);
            }
        }

        /** One streamed round: content passes to the caller as it comes; tool-call deltas are gathered. */
        private final class StreamedRound {
            private final HttpClientResponse response;
            private final StringBuilder pending = new StringBuilder();
            private final Map<Integer, ObjectNode> calls = new LinkedHashMap<>();
            private final StringBuilder content = new StringBuilder();
            private String finish;
            private final List<String> held = new ArrayList<>();

            StreamedRound(HttpClientResponse response) {
                this.response = response;
            }

            void run() {
                openStream();
                response.handler(chunk -> {
                    pending.append(chunk.toString(java.nio.charset.StandardCharsets.UTF_8));
                    int end;
                    while ((end = pending.indexOf("\n\n")) >= 0) {
                        String event = pending.substring(0, end);
                        pending.delete(0, end + 2);
                        event(event);
                    }
                });
                response.exceptionHandler(Run.this::fail);
                response.endHandler(v -> ended());
            }

            private void event(String event) {
                for (String line : event.split("\n")) {
                    if (!line.startsWith("data:")) {
                        continue;
                    }
                    String data = line.substring(5).trim();
                    if (data.equals("[DONE]")) {
                        held.add(data);
                        continue;
                    }
                    JsonNode chunk;
                    try {
                        chunk = JSON.readTree(data);
                    } catch (Exception e) {
                        continue;
                    }
                    JsonNode choice = chunk.path("choices").path(0);
                    JsonNode delta = choice.path("delta");
                    if (delta.has("tool_calls")) {
                        for (JsonNode tc : delta.get("tool_calls")) {
                            ObjectNode acc = calls.computeIfAbsent(tc.path("index").asInt(0), i -> {
                                ObjectNode n = JSON.createObjectNode().put("type", "function");
                                n.putObject("function").put("name", "").put("arguments", "");
                                return n;
                            });
                            if (tc.hasNonNull("id")) {
                                acc.put("id", tc.get("id").asText());
                            }
                            JsonNode fn = tc.path("function");
                            ObjectNode accFn = (ObjectNode) acc.get("function");
                            if (fn.hasNonNull("name")) {
                                accFn.put("name", accFn.get("name").asText() + fn.get("name").asText());
                            }
                            if (fn.hasNonNull("arguments")) {
                                accFn.put("arguments", accFn.get("arguments").asText() + fn.get("arguments").asText());
                            }
                        }
                    }
                    if (choice.hasNonNull("finish_reason")) {
                        finish = choice.get("finish_reason").asText();
                    }
                    boolean toolish = delta.has("tool_calls") || "tool_calls".equals(finish) && choice.hasNonNull("finish_reason");
                    if (delta.hasNonNull("content")) {
                        content.append(delta.get("content").asText());
                    }
                    if (!toolish) {
                        if (chunk.path("choices").isEmpty() || choice.hasNonNull("finish_reason")) {
                            held.add(data); // usage and finish: sent only if this round is the last
                        } else {
                            out.write("data: " + data + "\n\n");
                        }
                    }
                }
            }

            private void ended() {
                List<JsonNode> list = new ArrayList<>(calls.values());
                if (list.isEmpty() || !allOurs(list)) {
                    for (String data : held) {
                        out.write("data: " + data + "\n\n");
                    }
                    if (!out.ended()) {
                        out.end();
                    }
                    done.tryComplete();
                    return;
                }
                ObjectNode assistant = JSON.createObjectNode();
                assistant.put("content", content.isEmpty() ? null : content.toString());
                runTools(assistant, list);
            }
        }
    }
}
