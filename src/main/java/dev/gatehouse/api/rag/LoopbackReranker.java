package dev.gatehouse.api.rag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.api.Loopback;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiJson;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;

/**
 * Reranks search candidates through this gateway's own {@code POST /v1/rerank}, as the caller whose
 * credentials are given: routing, fallback, rate limits, budgets, the model's access policy and the
 * request log apply to the reranking a search does, and its cost lands on the caller's team. A
 * refusal or an upstream failure keeps the gateway's status and message, under the parameter that
 * asked for the reranking.
 */
public final class LoopbackReranker {
    /**
     * How long the search waits for a pause in the rerank answer; the inner call has the gateway's own
     * request deadline and the upstream's timeouts too, so a reranker that never answers fails the
     * search, never hangs it.
     */
    static final long IDLE_TIMEOUT_MILLIS = 30_000;
    private final Loopback loopback;

    public LoopbackReranker(Loopback loopback) {
        this.loopback = loopback;
    }

    /**
     * The relevance of each text to the query, by the texts' index.
     *
     * @param param the request parameter that named the model, for errors
     */
    Future<double[]> scores(String model, String query, List<String> texts, Map<String, String> credentials, String param) {
        ObjectNode body = OpenAiJson.MAPPER.createObjectNode().put("model", model).put("query", query);
        ArrayNode documents = body.putArray("documents");
        texts.forEach(documents::add);
        return loopback.post("/v1/rerank", credentials, Buffer.buffer(body.toString()), IDLE_TIMEOUT_MILLIS)
                .recover(e -> Future.failedFuture(e instanceof GatewayException ? e : new GatewayException(ErrorType.TIMEOUT,
                        "Reranking with '" + model + "' failed: no answer within " + IDLE_TIMEOUT_MILLIS / 1000 + " s ("
                        + e.getClass().getSimpleName() + ").", param, "rerank_failed")))
                .map(answer -> scores(model, answer.status(), answer.body(), texts.size(), param));
    }

    private static double[] scores(String model, int status, Buffer body, int expected, String param) {
        JsonNode json;
        try {
            json = OpenAiJson.MAPPER.readTree(body.getBytes());
        } catch (Exception e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw new GatewayException(ErrorType.UPSTREAM, "Reranking with '" + model + "' failed: the answer was not JSON (status "
                    + status + ").", param, "rerank_failed");
        }
        if (status != 200) {
            JsonNode error = json.path("error");
            ErrorType answered = ErrorType.ofStatus(status);
            // The inner call's 500 is the reranker's failure, as the search's caller sees it: 502.
            ErrorType type = answered == ErrorType.INTERNAL ? ErrorType.UPSTREAM : answered;
            throw new GatewayException(type, "Reranking with '" + model + "' failed: " + error.path("message").asText("status " + status),
                    param, error.path("code").asText("rerank_failed"));
        }
        double[] scores = new double[expected];
        java.util.Arrays.fill(scores, Double.NaN);
        for (JsonNode r : json.path("results")) {
            int index = r.path("index").asInt(-1);
            if (index >= 0 && index < expected) {
                scores[index] = r.path("relevance_score").asDouble(0);
            }
        }
        for (double s : scores) {
            if (Double.isNaN(s)) {
                throw new GatewayException(ErrorType.UPSTREAM, "Reranking with '" + model + "' failed: the answer scored "
                        + json.path("results").size() + " of " + expected + " documents.", param, "rerank_failed");
            }
        }
        return scores;
    }
}
