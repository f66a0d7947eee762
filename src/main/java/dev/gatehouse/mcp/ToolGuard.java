package dev.gatehouse.mcp;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.GuardrailVerdict;
import dev.gatehouse.guardrails.Guardrails;
import dev.gatehouse.guardrails.Scope;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The configured guardrails on tool traffic: a {@code tools/call}'s arguments pass the input
 * guardrails before the server sees them, and its result passes the output guardrails before the
 * caller (or, in agent mode, the model) sees it. A tool is identified by its namespaced name, so
 * {@code apply-to: {models: [github__create_issue]}} attaches a guardrail to one tool.
 *
 * <p>Only strings are judged: the string values of the arguments (at any depth; keys and numbers
 * are structure), and of the result its text parts, embedded text resources and the strings of its
 * structured content. A mask rewrites exactly those strings. A block or a guardrail that cannot
 * decide and fails closed is a JSON-RPC error naming the guardrail, never the content.
 */
final class ToolGuard {
    private static final String WITHHELD_ARGUMENTS = "[withheld: a guardrail found sensitive values in these arguments]";

    private final Guardrails guardrails;

    /** @param guardrails the gateway's guardrails; null: tool traffic is not checked (tests of other parts) */
    ToolGuard(Guardrails guardrails) {
        this.guardrails = guardrails;
    }

    /** The arguments to send the server: as given, or masked; fails with an {@link McpFailure} on a block. */
    Future<Map<String, Object>> arguments(Call call, Map<String, Object> arguments) {
        Scope scope = Scope.of(call);
        if (guardrails == null || !guardrails.appliesTo(scope, Guardrails.Side.INPUT)) {
            return Future.succeededFuture(arguments);
        }
        List<String> texts = new ArrayList<>();
        strings(arguments, texts);
        return guardrails.check(texts, scope, call.requestId(), Guardrails.Side.INPUT).map(checked -> {
            record(call, checked);
            Map<String, Object> out = arguments;
            if (checked.changed()) {
                int[] at = {0};
                @SuppressWarnings("unchecked")
                Map<String, Object> masked = (Map<String, Object>) replace(arguments, s -> checked.texts().get(at[0]++));
                out = masked;
                call.captureRequest(Buffer.buffer(ToolCalls.bytes(masked)));
            }
            if (checked.unmaskedFindings()) {
                // A flagged or blocked value must not reach the request log: the stored arguments are withheld.
                call.captureRequest(Buffer.buffer(WITHHELD_ARGUMENTS));
            }
            if (checked.blocked() != null) {
                throw failure(checked, "input");
            }
            return out;
        });
    }

    /** The result to hand back: as the server gave it, or masked; fails with an {@link McpFailure} on a block. */
    Future<McpSchema.CallToolResult> result(Call call, McpSchema.CallToolResult result) {
        Scope scope = Scope.of(call);
        if (guardrails == null || result == null || !guardrails.appliesTo(scope, Guardrails.Side.OUTPUT)) {
            return Future.succeededFuture(result);
        }
        List<String> texts = new ArrayList<>();
        rewrite(result, s -> {
            texts.add(s);
            return s;
        });
        return guardrails.check(texts, scope, call.requestId(), Guardrails.Side.OUTPUT).map(checked -> {
            record(call, checked);
            if (checked.unmaskedFindings()) {
                call.dropCapturedResponse(); // nothing captured yet; this keeps it so (see Call.dropCapturedResponse)
            }
            if (checked.blocked() != null) {
                throw failure(checked, "output");
            }
            if (!checked.changed()) {
                return result;
            }
            int[] at = {0};
            return rewrite(result, s -> checked.texts().get(at[0]++));
        });
    }

    private static void record(Call call, Guardrails.Checked checked) {
        checked.verdicts().forEach(call::guardrailVerdict);
    }

    /**
     * The block as a JSON-RPC error: {@link McpFailure#GUARDRAIL_BLOCKED}, or {@link McpFailure#UNAVAILABLE}
     * for a guardrail that could not decide and fails closed. The message names the guardrail and the
     * kinds of value it found (EMAIL), never a value.
     */
    private static McpFailure failure(Guardrails.Checked checked, String stage) {
        GatewayException blocked = checked.blocked();
        String guardrail = "";
        for (GuardrailVerdict v : checked.verdicts()) {
            if (v.outcome().equals("blocked") || v.outcome().equals("error")) {
                guardrail = v.guardrail();
            }
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("guardrail", guardrail);
        data.put("stage", stage);
        boolean unavailable = blocked.type() == ErrorType.UNAVAILABLE;
        data.put("code", unavailable ? Guardrails.GUARDRAIL_UNAVAILABLE : Guardrails.GUARDRAIL_BLOCKED);
        String subject = stage.equals("input") ? "The tool call" : "The tool's result";
        String message = blocked.getMessage().replaceFirst("^(The request|The answer)", subject);
        return unavailable ? new McpFailure(McpFailure.UNAVAILABLE, message, data, Guardrails.GUARDRAIL_UNAVAILABLE, 503)
                : new McpFailure(McpFailure.GUARDRAIL_BLOCKED, message, data, Guardrails.GUARDRAIL_BLOCKED, 400);
    }

    /** Every string value under {@code value}, depth first in iteration order. */
    private static void strings(Object value, List<String> out) {
        replace(value, s -> {
            out.add(s);
            return s;
        });
    }

    /** {@code value} with every string value replaced by {@code f}, in the order {@link #strings} visits them. */
    private static Object replace(Object value, Function<String, String> f) {
        if (value instanceof String s) {
            return f.apply(s);
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(k, replace(v, f)));
            return out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(v -> out.add(replace(v, f)));
            return out;
        }
        return value;
    }

    /** {@code result} with its texts replaced by {@code f}: text parts, embedded text resources, structured content. */
    private static McpSchema.CallToolResult rewrite(McpSchema.CallToolResult result, Function<String, String> f) {
        List<McpSchema.Content> content = null;
        if (result.content() != null) {
            content = new ArrayList<>(result.content().size());
            for (McpSchema.Content c : result.content()) {
                if (c instanceof McpSchema.TextContent t && t.text() != null) {
                    content.add(new McpSchema.TextContent(t.annotations(), f.apply(t.text()), t.meta()));
                } else if (c instanceof McpSchema.EmbeddedResource r && r.resource() instanceof McpSchema.TextResourceContents tr
                        && tr.text() != null) {
                    content.add(new McpSchema.EmbeddedResource(r.annotations(),
                            new McpSchema.TextResourceContents(tr.uri(), tr.mimeType(), f.apply(tr.text()), tr.meta()), r.meta()));
                } else {
                    content.add(c); // images, audio, blobs and links carry no text a guardrail reads
                }
            }
        }
        return new McpSchema.CallToolResult(content, result.isError(), replace(result.structuredContent(), f), result.meta());
    }
}
