package dev.gatehouse.api.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.api.BodyBytes;
import dev.gatehouse.api.Ingress;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.mcp.ToolCalls;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * Agent mode for {@code /v1/messages}: Anthropic's MCP connector request shape ({@code mcp_servers},
 * each {@code name} one of the gateway's servers, with {@code tool_configuration} or an
 * {@code mcp_toolset} tool choosing its tools) or the {@code x-gatehouse-mcp} header. The gateway
 * offers the tools to the model as ordinary tools, runs the calls it makes and asks again, as
 * {@link ToolLoop} does for chat; the answer carries the connector's {@code mcp_tool_use} and
 * {@code mcp_tool_result} blocks before the model's final content.
 *
 * <p>Each round is a {@code /v1/messages} request to this gateway with the caller's credentials,
 * so it reaches any upstream (Anthropic, OpenAI, Gemini, ...) through the canonical model. A
 * streamed request gets its events once the last round has answered.
 */
public final class MessagesToolLoop {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] MCP_SERVERS = "\"mcp_servers\"".getBytes(StandardCharsets.US_ASCII);

    private final AgentTools agent;

    public MessagesToolLoop(ToolCalls tools, HttpClient loopback, String host, IntSupplier port) {
        this.agent = new AgentTools(tools, loopback, host, port);
    }

    /** A Messages body that names gateway MCP servers: the body without them (to scan and check), and the loop to run. */
    public final class Plan {
        private final ObjectNode request;
        private final List<McpToolset.Spec> specs;

        private Plan(ObjectNode request, List<McpToolset.Spec> specs) {
            this.request = request;
            this.specs = specs;
        }

        /** The body without {@code mcp_servers} and {@code mcp_toolset} tools: what the Messages scan checks, as for any request. */
        public Buffer plainBody() {
            return Buffer.buffer(plain(request).toString());
        }

        public Ingress.Handoff handoff() {
            return (call, response) -> {
                McpToolset toolset = McpToolset.resolve(specs, call, agent.calls().state());
                return new Run(call, response, request, toolset).start();
            };
        }
    }

    /** The plan for a body naming MCP servers ({@code mcp_servers} or the {@code x-gatehouse-mcp} header), or null. */
    public Plan plan(Buffer body, String header) {
        // Without gateway servers the connector's fields are not the gateway's: they pass on as before.
        if (header == null && (agent.calls().state().servers().isEmpty() || !BodyBytes.contains(body, MCP_SERVERS))) {
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
        List<McpToolset.Spec> specs = McpToolset.anthropicSpecs(request, header);
        if (specs.isEmpty()) {
            if (object.has("mcp_servers")) {
                throw GatewayException.invalid("mcp_servers names no MCP tool to offer (every server's tools are disabled).",
                        "mcp_servers");
            }
            return null;
        }
        return new Plan(object, specs);
    }

    private static ObjectNode plain(ObjectNode request) {
        ObjectNode plain = request.deepCopy();
        plain.remove("mcp_servers");
        ArrayNode tools = JSON.createArrayNode();
        request.path("tools").forEach(t -> {
            if (!"mcp_toolset".equals(t.path("type").asText(null))) {
                tools.add(t);
            }
        });
        if (tools.isEmpty()) {
            plain.remove("tools");
        } else {
            plain.set("tools", tools);
        }
        return plain;
    }

    /** One caller request's rounds. */
    private final class Run {
        private final Call call;
        private final HttpServerResponse out;
        private final McpToolset toolset;
        private final boolean stream;
        private final ObjectNode request;
        private final ArrayNode messages;
        /** The caller's content before the last round's: each round's blocks, with mcp_tool_use and mcp_tool_result for our calls. */
        private final ArrayNode content = JSON.createArrayNode();
        private long inputTokens;
        private long outputTokens;
        private final Promise<Void> done = Promise.promise();
        private int round;
        private int toolSeq;

        Run(Call call, HttpServerResponse out, ObjectNode original, McpToolset toolset) {
            this.call = call;
            this.out = out;
            this.toolset = toolset;
            this.stream = original.path("stream").asBoolean(false);
            this.request = plain(original);
            request.put("stream", false);
            ArrayNode tools = request.withArray("tools");
            for (McpToolset.Tool t : toolset.tools().values()) {
                ObjectNode tool = tools.addObject().put("name", t.name());
                if (t.tool().description() != null) {
                    tool.put("description", t.tool().description());
                }
                tool.set("input_schema", t.tool().inputSchema() == null ? JSON.createObjectNode().put("type", "object")
                        : JSON.valueToTree(t.tool().inputSchema()));
            }
            this.messages = request.withArray("messages");
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
            agent.round(call, "/v1/messages", request.toString().getBytes(StandardCharsets.UTF_8), this::answered)
                    .onFailure(this::fail);
        }

        private void answered(HttpClientResponse response) {
            response.body().onFailure(this::fail).onSuccess(body -> {
                ObjectNode answer;
                try {
                    answer = AgentTools.answerOf(response, body, out, done); // null: the round's own error, in Anthropic's shape, passed on
                } catch (Exception e) {
                    fail(e);
                    return;
                }
                if (answer == null) {
                    return;
                }
                inputTokens += answer.path("usage").path("input_tokens").asLong(0);
                outputTokens += answer.path("usage").path("output_tokens").asLong(0);
                List<ObjectNode> uses = new ArrayList<>();
                answer.path("content").forEach(b -> {
                    if ("tool_use".equals(b.path("type").asText())) {
                        uses.add((ObjectNode) b);
                    }
                });
                if (uses.isEmpty() || !uses.stream().allMatch(u -> toolset.owns(u.path("name").asText("")))) {
                    finish(answer);
                    return;
                }
                runTools(answer, uses);
            });
        }

        /** Runs the round's tool uses (together), records the connector's blocks, appends the turns, and asks again. */
        private void runTools(ObjectNode answer, List<ObjectNode> uses) {
            List<Future<McpSchema.CallToolResult>> results = new ArrayList<>();
            for (ObjectNode u : uses) {
                results.add(agent.run(call, ++toolSeq, toolset.tools().get(u.path("name").asText()).exposed(), u.path("input").toString()));
            }
            Future.join(results).onComplete(all -> {
                for (Future<McpSchema.CallToolResult> r : results) {
                    if (r.failed() && AgentTools.guardrail(r.cause())) {
                        fail(AgentTools.guardrailError(r.cause(), round));
                        return;
                    }
                }
                messages.addObject().put("role", "assistant").set("content", answer.path("content").deepCopy());
                ArrayNode toolResults = messages.addObject().put("role", "user").putArray("content");
                int next = 0;
                for (JsonNode block : answer.path("content")) {
                    if (!"tool_use".equals(block.path("type").asText())) {
                        content.add(block);
                        continue;
                    }
                    Future<McpSchema.CallToolResult> r = results.get(next++);
                    McpToolset.Tool tool = toolset.tools().get(block.path("name").asText());
                    boolean error = r.failed() || Boolean.TRUE.equals(r.result().isError());
                    String text = r.succeeded() ? AgentTools.text(r.result()) : "Error: " + r.cause().getMessage();
                    ObjectNode use = content.addObject().put("type", "mcp_tool_use").put("id", block.path("id").asText())
                            .put("name", tool.tool().name()).put("server_name", tool.server().name());
                    use.set("input", block.path("input").deepCopy());
                    ObjectNode result = content.addObject().put("type", "mcp_tool_result").put("tool_use_id", block.path("id").asText())
                            .put("is_error", error);
                    result.putArray("content").addObject().put("type", "text").put("text", text);
                    ObjectNode toolResult = toolResults.addObject().put("type", "tool_result").put("tool_use_id", block.path("id").asText())
                            .put("content", text);
                    if (error) {
                        toolResult.put("is_error", true);
                    }
                }
                next();
            });
        }

        /** The caller's message: the last round's, with the earlier rounds' blocks before its content and the whole loop's usage. */
        private void finish(ObjectNode last) {
            ObjectNode message = last.deepCopy();
            ArrayNode all = content.deepCopy();
            last.path("content").forEach(all::add);
            message.set("content", all);
            if (message.path("usage").isObject()) {
                ((ObjectNode) message.get("usage")).put("input_tokens", inputTokens).put("output_tokens", outputTokens);
            }
            out.putHeader("x-gatehouse-mcp-rounds", Integer.toString(round));
            if (stream) {
                out.putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache").end(events(message));
            } else {
                out.putHeader("content-type", "application/json").end(Buffer.buffer(message.toString()));
            }
            done.tryComplete();
        }

        private void fail(Throwable e) {
            GatewayException error = e instanceof GatewayException g ? g
                    : new GatewayException(ErrorType.UPSTREAM, "The tool loop failed in round " + round + ": " + e.getMessage(), null,
                            "mcp_round_failed");
            done.tryFail(error);
        }
    }

    /** A whole message as the Messages API's event stream: message_start, each block's start, deltas and stop, message_delta, message_stop. */
    static Buffer events(ObjectNode message) {
        Buffer out = Buffer.buffer();
        ObjectNode start = message.deepCopy();
        start.putArray("content");
        start.putNull("stop_reason");
        start.putNull("stop_sequence");
        if (start.path("usage").isObject()) {
            ((ObjectNode) start.get("usage")).put("output_tokens", 0);
        }
        event(out, "message_start", JSON.createObjectNode().put("type", "message_start").set("message", start));
        JsonNode blocks = message.path("content");
        for (int i = 0; i < blocks.size(); i++) {
            JsonNode block = blocks.get(i);
            String type = block.path("type").asText();
            ObjectNode empty = block.deepCopy();
            ObjectNode delta = null;
            switch (type) {
                case "text" -> {
                    empty.put("text", "");
                    delta = JSON.createObjectNode().put("type", "text_delta").put("text", block.path("text").asText());
                }
                case "tool_use", "mcp_tool_use" -> {
                    empty.putObject("input");
                    delta = JSON.createObjectNode().put("type", "input_json_delta").put("partial_json", block.path("input").toString());
                }
                case "thinking" -> {
                    empty.put("thinking", "");
                    delta = JSON.createObjectNode().put("type", "thinking_delta").put("thinking", block.path("thinking").asText());
                }
                default -> { } // mcp_tool_result and others arrive whole in their start event
            }
            event(out, "content_block_start", JSON.createObjectNode().put("type", "content_block_start").put("index", i)
                    .set("content_block", empty));
            if (delta != null) {
                event(out, "content_block_delta", JSON.createObjectNode().put("type", "content_block_delta").put("index", i)
                        .set("delta", delta));
            }
            if (type.equals("thinking") && block.hasNonNull("signature")) {
                event(out, "content_block_delta", JSON.createObjectNode().put("type", "content_block_delta").put("index", i)
                        .set("delta", JSON.createObjectNode().put("type", "signature_delta").put("signature", block.path("signature").asText())));
            }
            event(out, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", i));
        }
        ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").set("stop_reason", message.path("stop_reason").deepCopy());
        ((ObjectNode) messageDelta.get("delta")).set("stop_sequence", message.path("stop_sequence").isMissingNode()
                ? JSON.nullNode() : message.path("stop_sequence").deepCopy());
        messageDelta.putObject("usage").put("output_tokens", message.path("usage").path("output_tokens").asLong(0));
        event(out, "message_delta", messageDelta);
        event(out, "message_stop", JSON.createObjectNode().put("type", "message_stop"));
        return out;
    }

    private static void event(Buffer out, String type, ObjectNode data) {
        out.appendString("event: ").appendString(type).appendString("\ndata: ").appendString(data.toString()).appendString("\n\n");
    }
}
