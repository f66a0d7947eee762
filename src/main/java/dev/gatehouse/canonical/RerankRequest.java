package dev.gatehouse.canonical;

import java.util.List;

/**
 * Documents to order by their relevance to a query (a reranker, or cross-encoder).
 *
 * @param topN how many of the best to return; null: all of them
 * @param maxTokensPerDoc where the upstream cuts long documents; null: its own default
 */
public record RerankRequest(String model, String query, List<String> documents, Integer topN, Integer maxTokensPerDoc) {
    public RerankRequest {
        documents = List.copyOf(documents);
    }

    public RerankRequest withModel(String upstreamModel) {
        return new RerankRequest(upstreamModel, query, documents, topN, maxTokensPerDoc);
    }
}
