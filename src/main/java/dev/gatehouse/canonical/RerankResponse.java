package dev.gatehouse.canonical;

import java.util.List;

/**
 * A reranker's answer: documents by index, best first.
 *
 * @param id the upstream's id of the answer, or null
 * @param searchUnits what the upstream billed in search units (Cohere), or null when it reports none
 * @param usage tokens the upstream reported, or null when it reports none
 */
public record RerankResponse(String id, List<Result> results, Long searchUnits, Usage usage) {
    public RerankResponse {
        results = List.copyOf(results);
    }

    /** One document: its index in the request and its relevance to the query (higher is better). */
    public record Result(int index, double relevanceScore) {}
}
