package dev.gatehouse.api.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.api.BodyBytes;
import dev.gatehouse.api.Loopback;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.mcp.McpFailure;
import dev.gatehouse.mcp.ToolCalls;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * What every agent-mode loop shares, whatever the caller's format: sending a round to this gateway
 * with the caller's credentials, and running one tool call the model made as a {@code tools/call}
 * of its own (the caller's policies, limits, budgets, guardrails and request-log record).
 */
final class AgentTools {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] MCP = "\"mcp\"".getBytes(StandardCharsets.US_ASCII);

    private final ToolCalls tools;
    private final Loopback loopback;

    /**
     * @param host the address this gateway listens on (a wildcard address is reached on loopback)
     * @param port the port it listens on (the rounds are sent there)
     */
    AgentTools(ToolCalls tools, HttpClient loopback, String host, IntSupplier port) {
        this.tools = tools;
        this.loopback = new Loopback(loopback, host, port);
    }

    ToolCalls calls() {
        return tools;
    }

    /** The refusal for a loop about to start {@code round}, or null while it is within {@code mcp.max-rounds}. */
    GatewayException pastLastRound(int round) {
        int max = tools.state().config().maxRounds();
        return round <= max ? null : new GatewayException(ErrorType.UNPROCESSABLE, "The model was still calling tools after "
                + max + " rounds (mcp.max-rounds).", null, "mcp_max_rounds");
    }

    /**
     * A whole round's answer as JSON, or null when the round failed and its error (already in the
     * caller's format) has been passed on to {@code out}. Throws when the body is not JSON.
     */
    static ObjectNode answerOf(HttpClientResponse response, Buffer body, HttpServerResponse out, Promise<Void> done)
            throws java.io.IOException {
        if (response.statusCode() != 200) {
            out.setStatusCode(response.statusCode()).putHeader("content-type", "application/json").end(body);
            done.tryComplete();
            return null;
        }
        return (ObjectNode) JSON.readTree(body.getBytes());
    }

    /** Whether a request could name gateway MCP tools at all: servers exist and the body says "mcp" (a byte search, no parse). */
    boolean mayName(Buffer body, String header) {
        return header != null || !tools.state().servers().isEmpty() && BodyBytes.contains(body, MCP);
    }

    /**
     * Sends one round to {@code path} on this gateway with the caller's credentials; {@code answered}
     * gets the round's answer as its head arrives, in time to set its body's handlers (see
     * {@link Loopback#send}). The future fails when the round could not be sent or {@code answered} threw.
     */
    Future<Void> round(Call call, String path, byte[] body, Handler<HttpClientResponse> answered) {
        Map<String, String> carried = Loopback.credentials(call.headers());
        String betas = carried.remove("anthropic-beta");
        if (betas != null) {
            betas = withoutMcpBetas(betas); // the gateway runs the MCP servers; the rounds are plain tool use
            if (!betas.isEmpty()) {
                carried.put("anthropic-beta", betas);
            }
        }
        return loopback.send(path, carried, Buffer.buffer(body), 0, response -> {
            answered.handle(response);
            return Future.succeededFuture();
        });
    }

    private static String withoutMcpBetas(String betas) {
        StringBuilder kept = new StringBuilder();
        for (String beta : betas.split(",")) {
            String b = beta.trim();
            if (!b.isEmpty() && !b.startsWith("mcp-client-")) {
                kept.append(kept.isEmpty() ? "" : ",").append(b);
            }
        }
        return kept.toString();
    }

    /**
     * Runs the tool call {@code name(arguments)} the model made, as call number {@code seq} of the
     * caller's request; the future fails with an {@link McpFailure} (unknown, denied, failed, blocked).
     */
    @SuppressWarnings("unchecked")
    Future<McpSchema.CallToolResult> run(Call caller, int seq, String name, String arguments) {
        Call toolCall = new Call(caller.requestId() + "-mcp" + seq, Endpoint.MCP_TOOL_CALL, caller.headers(), System.nanoTime());
        toolCall.principal(caller.principal());
        toolCall.zdr(caller.zdr());
        toolCall.storeBodies(caller.storeBodies());
        toolCall.clientAddress(caller.clientAddress());
        Map<String, Object> args;
        ToolCalls.Resolved resolved;
        try {
            args = arguments == null || arguments.isBlank() ? Map.of() : JSON.readValue(arguments, Map.class);
        } catch (Exception e) {
            McpFailure f = new McpFailure(McpFailure.INVALID_PARAMS, "The model's arguments for " + name + " are not a JSON object.");
            tools.refused(toolCall, name, f);
            return Future.failedFuture(f);
        }
        try {
            resolved = tools.resolve(toolCall, name, null);
        } catch (McpFailure f) {
            tools.refused(toolCall, name, f);
            return Future.failedFuture(f);
        }
        return tools.call(toolCall, resolved, args, null);
    }

    /** Whether a failed tool call was a guardrail's block: the caller's to see, not the model's to work around. */
    static boolean guardrail(Throwable failure) {
        return failure instanceof McpFailure f && f.errorClass().startsWith("guardrail_");
    }

    /** A guardrail's block of a tool call in round {@code round}, as the caller's error (400, or 503 when it could not decide). */
    static GatewayException guardrailError(Throwable failure, int round) {
        McpFailure f = (McpFailure) failure;
        boolean unavailable = f.code() == McpFailure.UNAVAILABLE;
        return new GatewayException(unavailable ? ErrorType.UNAVAILABLE : ErrorType.INVALID_REQUEST,
                "Round " + round + ": " + f.getMessage(), null, f.errorClass());
    }

    /** A tool result as the text a model reads: its text parts, else its JSON; an error result is prefixed "Error: ". */
    static String text(McpSchema.CallToolResult result) {
        StringBuilder text = new StringBuilder();
        if (result.content() != null) {
            for (McpSchema.Content c : result.content()) {
                if (c instanceof McpSchema.TextContent t) {
                    if (!text.isEmpty()) {
                        text.append('\n');
                    }
                    text.append(t.text());
                }
            }
        }
        if (text.isEmpty()) {
            try {
                text.append(JSON.writeValueAsString(result.structuredContent() != null ? result.structuredContent() : result.content()));
            } catch (Exception e) {
                text.append("(no text)");
            }
        }
        return Boolean.TRUE.equals(result.isError()) ? "Error: " + text : text.toString();
    }
}
