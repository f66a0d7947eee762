package dev.gatehouse.dialect.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.canonical.RerankRequest;
import dev.gatehouse.canonical.RerankResponse;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.provider.RerankAnswers;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Cohere's {@code POST /v2/rerank}: {@code model}, {@code query}, {@code documents} (strings),
 * optional {@code top_n} and {@code max_tokens_per_doc}; the answer is {@code id}, {@code results}
 * ({@code index}, {@code relevance_score}, best first) and {@code meta.billed_units.search_units}.
 * v2 returns no documents: the gateway adds them from the request when the caller asks.
 */
final class CohereRerank {
    private CohereRerank() {}

    static Buffer encode(RerankRequest r) {
        ObjectNode root = CohereWireCodec.MAPPER.createObjectNode();
        root.put("model", r.model());
        root.put("query", r.query());
        ArrayNode documents = root.putArray("documents");
        r.documents().forEach(documents::add);
        if (r.topN() != null) {
            root.put("top_n", r.topN());
        }
        if (r.maxTokensPerDoc() != null) {
            root.put("max_tokens_per_doc", r.maxTokensPerDoc());
        }
        return Buffer.buffer(CohereWireCodec.write(root));
    }

    static RerankResponse decode(Buffer body) {
        JsonNode root = CohereWireCodec.read(body);
        List<RerankResponse.Result> out = RerankAnswers.results(root, "Cohere", body);
        JsonNode billed = root.path("meta").path("billed_units");
        Long units = billed.path("search_units").isNumber() ? billed.get("search_units").asLong() : null;
        JsonNode tokens = root.path("meta").path("tokens");
        Usage usage = tokens.path("input_tokens").isNumber() ? Usage.of(tokens.get("input_tokens").asLong(), 0) : null;
        return new RerankResponse(root.path("id").asText(null), out, units, usage);
    }
}
