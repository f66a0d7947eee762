package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.canonical.RerankRequest;
import dev.gatehouse.canonical.RerankResponse;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.provider.RerankAnswers;
import dev.gatehouse.provider.UpstreamJson;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * The rerank shape that OpenAI-compatible servers share (Jina's {@code /v1/rerank}, served by vLLM,
 * Hugging Face TEI, Infinity and others): {@code model}, {@code query}, {@code documents},
 * {@code top_n}; the answer has {@code results} ({@code index}, {@code relevance_score}) and
 * {@code usage.total_tokens}. The mock provider answers it too.
 */
public final class JinaStyleRerank {
    private JinaStyleRerank() {}

    public static Buffer encode(RerankRequest r) {
        ObjectNode root = OpenAiJson.MAPPER.createObjectNode();
        root.put("model", r.model());
        root.put("query", r.query());
        ArrayNode documents = root.putArray("documents");
        r.documents().forEach(documents::add);
        if (r.topN() != null) {
            root.put("top_n", r.topN());
        }
        return Buffer.buffer(UpstreamJson.write(root));
    }

    public static RerankResponse decode(Buffer body) {
        JsonNode root = UpstreamJson.object(body, "The rerank upstream");
        List<RerankResponse.Result> out = RerankAnswers.results(root, "The rerank upstream", body);
        JsonNode u = root.path("usage");
        Usage usage = null;
        if (u.path("total_tokens").isNumber() || u.path("prompt_tokens").isNumber()) {
            usage = Usage.of(u.path("prompt_tokens").isNumber() ? u.get("prompt_tokens").asLong() : u.get("total_tokens").asLong(), 0);
        }
        JsonNode units = root.path("meta").path("billed_units").path("search_units");
        return new RerankResponse(root.path("id").asText(null), out, units.isNumber() ? units.asLong() : null, usage);
    }
}
