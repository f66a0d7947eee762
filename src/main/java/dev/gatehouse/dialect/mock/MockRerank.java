package dev.gatehouse.dialect.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiJson;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The mock's reranker: a document's relevance is the share of the query's distinct words it contains
 * (lower-cased, letters and digits), so the demo reorders search results with no model and no key,
 * and the same request always gets the same answer. Ties keep the documents' order. Answers in the
 * Jina shape that OpenAI-compatible rerank servers use.
 */
final class MockRerank {
    private MockRerank() {}

    static Buffer answer(Buffer body) {
        JsonNode root;
        try {
            root = OpenAiJson.MAPPER.readTree(body.getBytes());
        } catch (Exception e) {
            throw GatewayException.invalid("The rerank request is not JSON.", null);
        }
        JsonNode query = root.path("query");
        JsonNode documents = root.path("documents");
        if (!query.isTextual() || !documents.isArray()) {
            throw GatewayException.invalid("A rerank request needs 'query' (a string) and 'documents' (an array of strings).",
                    query.isTextual() ? "documents" : "query");
        }
        Set<String> asked = words(query.asText());
        long tokens = 0;
        List<double[]> scored = new ArrayList<>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            String text = documents.get(i).asText("");
            Set<String> found = words(text);
            tokens += asked.size() + found.size();
            long common = asked.stream().filter(found::contains).count();
            scored.add(new double[] {i, asked.isEmpty() ? 0 : (double) common / asked.size()});
        }
        scored.sort(Comparator.comparingDouble((double[] s) -> -s[1]).thenComparingDouble(s -> s[0]));
        int top = root.path("top_n").isInt() ? Math.min(root.get("top_n").asInt(), scored.size()) : scored.size();
        ObjectNode out = OpenAiJson.MAPPER.createObjectNode();
        out.put("model", root.path("model").asText(""));
        out.putObject("usage").put("total_tokens", tokens);
        var results = out.putArray("results");
        for (double[] s : scored.subList(0, Math.max(0, top))) {
            results.addObject().put("index", (int) s[0]).put("relevance_score", Math.round(s[1] * 10_000) / 10_000.0);
        }
        return Buffer.buffer(out.toString());
    }

    private static Set<String> words(String text) {
        Set<String> words = new HashSet<>();
        for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (!w.isEmpty()) {
                words.add(w);
            }
        }
        return words;
    }
}
