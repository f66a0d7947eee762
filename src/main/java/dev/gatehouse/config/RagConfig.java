package dev.gatehouse.config;

/**
 * The {@code rag} section: files, vector stores and file search.
 *
 * @param embeddingModel the public embedding model new vector stores embed their chunks with; null:
 *     the first model of type embedding, and without one stores search by keywords (BM25) only
 * @param maxFileBytes the largest upload {@code POST /v1/files} accepts (streamed to disk, never held in memory)
 * @param ingestionThreads how many files are extracted, chunked and indexed at once
 * @param maxChunksPerFile a file that cuts into more chunks fails its ingestion with a clear error
 * @param ephemeral memory-only files and stores for zero-data-retention traffic
 * @param rewriteModel the public chat model a search with {@code rewrite_query: true} asks to rewrite
 *     the query; null: such a search is a 400
 * @param rewriteTimeout how long a search waits for that model's rewrite
 * @param rerankModel the public model of type rerank every search reranks its results with unless
 *     its {@code ranking_options.ranker} names another or {@code none}; null: no reranking by default
 */
public record RagConfig(String embeddingModel, long maxFileBytes, int ingestionThreads, int maxChunksPerFile, Ephemeral ephemeral,
        String rewriteModel, java.time.Duration rewriteTimeout, String rerankModel) {
    /** OpenAI accepts files up to 512 MB; a gateway on a laptop defaults lower. */
    public static final RagConfig DEFAULTS = new RagConfig(null, 64L * 1024 * 1024, 2, 20_000, Ephemeral.OFF, null,
            java.time.Duration.ofSeconds(10), null);

    /**
     * The {@code rag.ephemeral} section. Read at start.
     *
     * @param enabled zero-data-retention callers get memory-only files and vector stores instead of a 403
     * @param maxBytes all ephemeral files' bytes together, per node
     */
    public record Ephemeral(boolean enabled, long maxBytes) {
        public static final Ephemeral OFF = new Ephemeral(false, 256L * 1024 * 1024);
    }

    /** The embedding model new stores use: the configured one, else the first embedding model, else null. */
    public String embeddingModel(GatehouseConfig config) {
        if (embeddingModel != null) {
            return embeddingModel;
        }
        return config.models().values().stream().filter(m -> "embedding".equals(m.type())).map(ModelConfig::name)
                .findFirst().orElse(null);
    }
}
