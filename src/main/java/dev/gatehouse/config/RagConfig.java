package dev.gatehouse.config;

/**
 * The {@code rag} section: files, vector stores and file search.
 *
 * @param embeddingModel the public embedding model new vector stores embed their chunks with; null:
 *     the first model of type embedding, and without one stores search by keywords (BM25) only
 * @param maxFileBytes the largest upload {@code POST /v1/files} accepts (streamed to disk, never held in memory)
 * @param ingestionThreads how many files are extracted, chunked and indexed at once
 * @param maxChunksPerFile a file that cuts into more chunks fails its ingestion with a clear error
 */
public record RagConfig(String embeddingModel, long maxFileBytes, int ingestionThreads, int maxChunksPerFile) {
    /** OpenAI accepts files up to 512 MB; a gateway on a laptop defaults lower. */
    public static final RagConfig DEFAULTS = new RagConfig(null, 64L * 1024 * 1024, 2, 20_000);

    /** The embedding model new stores use: the configured one, else the first embedding model, else null. */
    public String embeddingModel(GatehouseConfig config) {
        if (embeddingModel != null) {
            return embeddingModel;
        }
        return config.models().values().stream().filter(m -> "embedding".equals(m.type())).map(ModelConfig::name)
                .findFirst().orElse(null);
    }
}
