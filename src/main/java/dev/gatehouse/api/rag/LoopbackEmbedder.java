package dev.gatehouse.api.rag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.api.Loopback;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.rag.Embedder;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Embeds through this gateway's own {@code POST /v1/embeddings}, as the caller whose credentials
 * are given: routing, fallback, rate limits, budgets and the request log apply to every embedding a
 * knowledge base makes, and the cost lands on the caller's team. A refusal keeps the gateway's
 * status and message (a 429 of a spent budget stays a 429).
 */
public final class LoopbackEmbedder implements Embedder {
    private static final long IDLE_TIMEOUT_MILLIS = 120_000;
    private final Loopback loopback;

    public LoopbackEmbedder(Loopback loopback) {
        this.loopback = loopback;
    }

    @Override
    public CompletableFuture<List<float[]>> embed(String model, List<String> inputs, Map<String, String> credentials) {
        ObjectNode body = OpenAiJson.MAPPER.createObjectNode().put("model", model).put("encoding_format", "float");
        ArrayNode input = body.putArray("input");
        inputs.forEach(input::add);
        Buffer request = Buffer.buffer(body.toString());
        int expected = inputs.size();
        // Called on the ingestion threads, off the event loop: the answer comes whole (see Loopback.post).
        return loopback.post("/v1/embeddings", credentials, request, IDLE_TIMEOUT_MILLIS)
                .map(answer -> vectors(answer.status(), answer.body(), expected))
                .toCompletionStage().toCompletableFuture();
    }

    private static List<float[]> vectors(int status, Buffer body, int expected) {
        JsonNode json;
        try {
            json = OpenAiJson.MAPPER.readTree(body.getBytes());
        } catch (Exception e) {
            throw new GatewayException(ErrorType.UPSTREAM, "The embeddings answer was not JSON (status " + status + ").", null,
                    "embedding_failed");
        }
        if (status != 200) {
            JsonNode error = json.path("error");
            ErrorType type = ErrorType.ofStatus(status);
            throw new GatewayException(type, "Embedding failed: " + error.path("message").asText("status " + status), null,
                    error.path("code").asText("embedding_failed"));
        }
        List<float[]> vectors = new ArrayList<>(expected);
        for (JsonNode item : json.path("data")) {
            JsonNode numbers = item.path("embedding");
            float[] v = new float[numbers.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) numbers.get(i).asDouble();
            }
            vectors.add(v);
        }
        if (vectors.size() != expected || vectors.stream().anyMatch(v -> v.length == 0)) {
            throw new GatewayException(ErrorType.UPSTREAM, "The embeddings answer had " + vectors.size() + " vectors for " + expected
                    + " inputs.", null, "embedding_failed");
        }
        return vectors;
    }
}
