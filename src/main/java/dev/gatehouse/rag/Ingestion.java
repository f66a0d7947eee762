package dev.gatehouse.rag;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an attached file into searchable chunks, off the request path on a small pool of its own:
 * extract the text, cut it into chunks, embed them in batches (one batch at a time per file, so
 * the pool size bounds the embedding calls in flight), index them, and record the outcome:
 * {@code completed}, or {@code failed} with a {@code last_error} the API shows. Nothing of the
 * file's content is logged.
 */
public final class Ingestion implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ingestion.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The last_error of a file whose ingestion a stop of the gateway interrupted. */
    static final String INTERRUPTED = "The gateway stopped while this file was being indexed; attach it again.";
    /** Inputs per embeddings request. */
    static final int BATCH = 64;
    /** Deadline of one embeddings request, on top of the gateway's own per-call deadlines. */
    private static final long EMBED_TIMEOUT_SECONDS = 120;

    private final RagStore store;
    private final java.util.function.Supplier<ChunkIndex> index;
    private final FileBlobs blobs;
    private final Embedder embedder;
    private final int maxChunks;
    private final ExecutorService pool;

    /**
     * One file to ingest into one store.
     *
     * @param createdAt the attachment's time: an attachment replaced meanwhile is not overwritten
     * @param model the store's embedding model; null: keywords only
     * @param credentials the uploader's request headers, held in memory for this job only
     */
    public record Job(String storeId, String fileId, long createdAt, String filename, String model, int maxTokens, int overlapTokens,
            Map<String, Object> attributes, String attributesJson, Map<String, String> credentials) {}

    public Ingestion(RagStore store, java.util.function.Supplier<ChunkIndex> index, FileBlobs blobs, Embedder embedder, int threads, int maxChunks) {
        this.store = store;
        this.index = index;
        this.blobs = blobs;
        this.embedder = embedder;
        this.maxChunks = maxChunks;
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Thread.ofPlatform().daemon().name("gatehouse-rag-ingest-", 0).factory());
    }

    public void submit(Job job) {
        pool.execute(() -> run(job));
    }

    private void run(Job job) {
        String status = "completed";
        String error = null;
        long usage = 0;
        try {
            RagStore.StoreFileRow row = store.storeFileNow(job.storeId(), job.fileId());
            if (row == null || row.createdAt() != job.createdAt() || !"in_progress".equals(row.status())) {
                return; // detached, replaced or cancelled before it started
            }
            List<TextExtractor.Section> sections = TextExtractor.extract(blobs.path(job.fileId()));
            List<Chunker.Chunk> chunks = Chunker.chunk(sections, job.maxTokens(), job.overlapTokens(), maxChunks);
            List<ChunkIndex.Entry> entries = new ArrayList<>(chunks.size());
            for (int from = 0; from < chunks.size(); from += BATCH) {
                List<Chunker.Chunk> batch = chunks.subList(from, Math.min(chunks.size(), from + BATCH));
                List<float[]> vectors = job.model() == null ? null : embed(job, batch);
                for (int i = 0; i < batch.size(); i++) {
                    entries.add(new ChunkIndex.Entry(batch.get(i), vectors == null ? null : vectors.get(i)));
                }
            }
            for (Chunker.Chunk c : chunks) {
                usage += c.text().getBytes(StandardCharsets.UTF_8).length;
            }
            index.get().put(job.storeId(), job.fileId(), job.filename(), job.attributes(), job.attributesJson(), entries);
        } catch (TextExtractor.UnsupportedFile e) {
            status = "failed";
            error = error("unsupported_file", e.getMessage());
        } catch (IllegalArgumentException e) {
            status = "failed";
            error = error("invalid_file", e.getMessage());
        } catch (EmbeddingFailed e) {
            status = "failed";
            error = error("server_error", pool.isShutdown() ? INTERRUPTED : e.getMessage());
        } catch (InterruptedException e) {
            status = "failed";
            error = error("server_error", INTERRUPTED);
        } catch (Exception e) {
            LOG.warn("ingestion of {} into {} failed: {}", job.fileId(), job.storeId(), e.toString());
            status = "failed";
            error = error("server_error", "The file could not be indexed: " + e.getClass().getSimpleName() + ".");
        }
        try {
            if (!store.finish(job.storeId(), job.fileId(), job.createdAt(), status, error, usage) && "completed".equals(status)) {
                // Detached, its store or the file deleted, or cancelled while this ran: leave nothing behind.
                index.get().deleteFileInStore(job.storeId(), job.fileId());
            }
        } catch (Exception e) {
            LOG.warn("ingestion of {} into {}: outcome not recorded: {}", job.fileId(), job.storeId(), e.toString());
        }
    }

    private List<float[]> embed(Job job, List<Chunker.Chunk> batch) throws EmbeddingFailed, InterruptedException {
        List<String> inputs = batch.stream().map(Chunker.Chunk::text).toList();
        try {
            List<float[]> vectors = embedder.embed(job.model(), inputs, job.credentials()).get(EMBED_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (vectors.size() != inputs.size()) {
                throw new EmbeddingFailed("Embedding model '" + job.model() + "' answered " + vectors.size() + " vectors for "
                        + inputs.size() + " chunks.");
            }
            return vectors;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new EmbeddingFailed("Embedding with model '" + job.model() + "' failed: " + cause.getMessage());
        } catch (TimeoutException e) {
            throw new EmbeddingFailed("Embedding with model '" + job.model() + "' took longer than " + EMBED_TIMEOUT_SECONDS + " s.");
        }
    }

    /** The API's {@code last_error} object. */
    static String error(String code, String message) {
        return JSON.createObjectNode().put("code", code).put("message", message).toString();
    }

    private static final class EmbeddingFailed extends Exception {
        EmbeddingFailed(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
