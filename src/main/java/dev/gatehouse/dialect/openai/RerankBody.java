package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.RerankRequest;
import dev.gatehouse.canonical.RerankResponse;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A caller's {@code POST /v1/rerank} in the shape Cohere and Jina share, which most rerank clients
 * speak: {@code model}, {@code query}, {@code documents} (strings or {@code {"text": ...}} objects),
 * optional {@code top_n}, {@code return_documents} and {@code max_tokens_per_doc}; and its answer
 * {@code {id, model, results: [{index, relevance_score, document?}], meta: {billed_units: {search_units}}, usage?}}.
 * Errors are OpenAI's (status, message, param), as on every {@code /v1} endpoint.
 *
 * @param body the request as received (guardrails may replace it)
 */
public record RerankBody(Buffer body, RerankRequest request, boolean returnDocuments) {
    /** The most documents one request may rank: Cohere's limit, and more than a page of candidates needs. */
    public static final int MAX_DOCUMENTS = 1000;
    /** Documents Cohere counts as one search unit (one query against up to 100 documents). */
    static final int DOCUMENTS_PER_SEARCH_UNIT = 100;

    public static RerankBody parse(Buffer body) {
        JsonNode root;
        try {
            root = OpenAiJson.MAPPER.readTree(body.getBytes());
        } catch (Exception e) {
            throw GatewayException.invalid("The request body is not valid JSON.", null);
        }
        if (root == null || !root.isObject()) {
            throw GatewayException.invalid("The request body must be a JSON object.", null);
        }
        JsonNode model = root.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw GatewayException.invalid("Missing required parameter: 'model' (a string).", "model");
        }
        JsonNode query = root.get("query");
        if (query == null || !query.isTextual() || query.asText().isBlank()) {
            throw GatewayException.invalid("Missing required parameter: 'query' (a non-empty string).", "query");
        }
        JsonNode docs = root.get("documents");
        if (docs == null || !docs.isArray()) {
            throw GatewayException.invalid("Missing required parameter: 'documents' (an array of strings or {\"text\": ...} objects).",
                    "documents");
        }
        if (docs.isEmpty() || docs.size() > MAX_DOCUMENTS) {
            throw GatewayException.invalid("Invalid 'documents': expected 1 to " + MAX_DOCUMENTS + " documents, got " + docs.size() + ".",
                    "documents");
        }
        List<String> documents = new ArrayList<>(docs.size());
        for (int i = 0; i < docs.size(); i++) {
            JsonNode d = docs.get(i);
            if (d.isTextual()) {
                documents.add(d.asText());
            } else if (d.isObject() && d.path("text").isTextual()) {
                documents.add(d.get("text").asText());
            } else {
                throw GatewayException.invalid("Invalid 'documents[" + i + "]': expected a string or an object with a string 'text'.",
                        "documents[" + i + "]");
            }
        }
        Integer topN = integer(root, "top_n", MAX_DOCUMENTS);
        Integer maxTokens = integer(root, "max_tokens_per_doc", 1_000_000);
        JsonNode ret = root.get("return_documents");
        if (ret != null && !ret.isNull() && !ret.isBoolean()) {
            throw GatewayException.invalid("Invalid 'return_documents': expected a boolean.", "return_documents");
        }
        boolean returnDocuments = ret != null && ret.asBoolean(false);
        return new RerankBody(body, new RerankRequest(model.asText(), query.asText(), documents, topN, maxTokens), returnDocuments);
    }

    private static Integer integer(JsonNode root, String field, int max) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || n.asLong() < 1 || n.asLong() > max) {
            throw GatewayException.invalid("Invalid '" + field + "': expected an integer between 1 and " + max + ".", field);
        }
        return n.asInt();
    }

    /** Search units as Cohere counts them when the upstream reports none: one per started hundred documents. */
    public long searchUnits() {
        return Math.ceilDiv(request.documents().size(), DOCUMENTS_PER_SEARCH_UNIT);
    }

    /**
     * The answer for the caller: results best first, at most {@code top_n}, each index checked
     * against the request (an upstream that names a document that was not sent is an upstream
     * error, not a wrong answer passed on).
     *
     * @param model the model that answered (the target's upstream model, as on every other endpoint)
     * @param inputTokens tokens to report under {@code usage}, or -1 for none
     */
    public Buffer answer(RerankResponse response, String model, long searchUnits, long inputTokens) {
        ObjectNode root = OpenAiJson.MAPPER.createObjectNode();
        root.put("id", response.id() != null ? response.id() : UUID.randomUUID().toString());
        root.put("model", model);
        ArrayNode results = root.putArray("results");
        for (RerankResponse.Result r : sorted(response)) {
            ObjectNode o = results.addObject().put("index", r.index()).put("relevance_score", r.relevanceScore());
            if (returnDocuments) {
                o.putObject("document").put("text", request.documents().get(r.index()));
            }
        }
        root.putObject("meta").putObject("billed_units").put("search_units", searchUnits);
        if (inputTokens >= 0) {
            root.putObject("usage").put("total_tokens", inputTokens);
        }
        return Buffer.buffer(root.toString());
    }

    /** The results best first, at most {@code top_n}; throws when an index is out of the request's range. */
    public List<RerankResponse.Result> sorted(RerankResponse response) {
        List<RerankResponse.Result> results = new ArrayList<>(response.results());
        for (RerankResponse.Result r : results) {
            if (r.index() < 0 || r.index() >= request.documents().size()) {
                throw new IllegalArgumentException("the reranker answered with document index " + r.index() + " of "
                        + request.documents().size());
            }
        }
        results.sort((a, b) -> Double.compare(b.relevanceScore(), a.relevanceScore()));
        int top = request.topN() == null ? results.size() : Math.min(request.topN(), results.size());
        return results.subList(0, top);
    }
}
