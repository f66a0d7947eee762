package dev.gatehouse.api.rag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.api.Loopback;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.QueryRewriting;
import dev.gatehouse.config.RagConfig;
import dev.gatehouse.dialect.openai.OpenAiJson;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * {@code rewrite_query: true} of a vector store search: the configured chat model
 * ({@code rag.rewrite-model}) turns the caller's question into a concise keyword query, asked
 * through this gateway's own {@code POST /v1/chat/completions} as the caller, so the call is
 * routed, limited, budgeted and logged like the caller's others (without content under zero data
 * retention, as every call of such a caller). The wait is bounded ({@code rag.rewrite-timeout}).
 * Every failure is a clear error naming {@code rewrite_query}; no message quotes the query or the
 * model's answer.
 */
public final class QueryRewriter {
    static final String PARAM = "rewrite_query";
    /** A rewrite is a short line: a cap keeps a model that rambles cheap. */
    private static final int MAX_TOKENS = 64;
    private final Loopback loopback;
    private final Supplier<RagConfig> config;

    public QueryRewriter(Loopback loopback, Supplier<RagConfig> config) {
        this.loopback = loopback;
        this.config = config;
    }

    /** Whether the body asks for a rewrite; a 400 when it does and no rewrite model is configured. */
    boolean wanted(JsonNode body) {
        JsonNode rewrite = body.get(PARAM);
        if (rewrite == null || !rewrite.isBoolean() || !rewrite.asBoolean()) {
            return false; // a non-boolean was refused by StoreSearch.Request already
        }
        if (config.get().rewriteModel() == null) {
            throw GatewayException.invalid("'rewrite_query' needs a rewrite model, and this gateway has none configured"
                    + " (rag.rewrite-model): send rewrite_query false, or ask the operator to configure one.", PARAM);
        }
        return true;
    }

    /** The query rewritten by the configured model, as the caller whose credentials are given. */
    Future<String> rewrite(String query, Map<String, String> credentials) {
        RagConfig rag = config.get();
        String model = rag.rewriteModel();
        long timeout = rag.rewriteTimeout().toMillis();
        ObjectNode body = OpenAiJson.MAPPER.createObjectNode().put("model", model).put("max_tokens", MAX_TOKENS)
                .put("temperature", 0);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", QueryRewriting.SYSTEM_PROMPT);
        messages.addObject().put("role", "user").put("content", query);
        return loopback.post("/v1/chat/completions", credentials, Buffer.buffer(body.toString()), timeout)
                .timeout(timeout, TimeUnit.MILLISECONDS)
                .map(answer -> rewritten(model, answer.status(), answer.body()))
                .recover(e -> Future.failedFuture(e instanceof GatewayException g ? g : failed(model, e)));
    }

    private GatewayException failed(String model, Throwable e) {
        if (e instanceof TimeoutException || e.getClass().getSimpleName().contains("Timeout")) {
            return new GatewayException(ErrorType.TIMEOUT, "Rewriting the query with model '" + model + "' took longer than "
                    + config.get().rewriteTimeout().toMillis() + " ms (rag.rewrite-timeout).", PARAM, "rewrite_failed");
        }
        return new GatewayException(ErrorType.UPSTREAM, "Rewriting the query with model '" + model + "' failed: "
                + e.getClass().getSimpleName() + ".", PARAM, "rewrite_failed");
    }

    /** The rewritten query; a refusal keeps the gateway's status and message (a spent budget stays a 429). */
    private static String rewritten(String model, int status, Buffer body) {
        JsonNode json;
        try {
            json = OpenAiJson.MAPPER.readTree(body.getBytes());
        } catch (Exception e) {
            throw new GatewayException(ErrorType.UPSTREAM, "Rewriting the query with model '" + model + "' failed: its answer was"
                    + " not JSON (status " + status + ").", PARAM, "rewrite_failed");
        }
        if (status != 200) {
            ErrorType type = ErrorType.ofStatus(status);
            JsonNode error = json.path("error");
            throw new GatewayException(type, "Rewriting the query with model '" + model + "' failed: "
                    + error.path("message").asText("status " + status), PARAM, error.path("code").asText("rewrite_failed"));
        }
        JsonNode content = json.path("choices").path(0).path("message").path("content");
        try {
            return QueryRewriting.query(content.isTextual() ? content.asText() : null);
        } catch (IllegalArgumentException e) {
            throw new GatewayException(ErrorType.UPSTREAM, "Rewriting the query with model '" + model + "' failed: "
                    + e.getMessage() + ".", PARAM, "rewrite_failed");
        }
    }
}
