package dev.gatehouse.rag;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
    private final Sink sink;
    private final Text text;
    private final Embedder embedder;
    private final int maxChunks;
    private final ExecutorService pool;
    /** The jobs queued or running here: their leases are renewed while they are (server mode). */
    private final Set<Job> active = ConcurrentHashMap.newKeySet();

    /** Where an ingestion's outcome goes: this node's index (embedded mode) or the database, for every node (server mode). */
    public interface Sink {
        /** The file's chunks are ready: make them searchable and mark the file completed. */
        void completed(Job job, List<ChunkIndex.Entry> entries, long usageBytes) throws Exception;

        /** Marks the file failed with the API's {@code last_error}. */
        void failed(Job job, String lastErrorJson) throws Exception;
    }

    /** A file's text: from this node's disk (fetched from the database first in server mode) or, ephemeral, from memory. */
    public interface Text {
        List<TextExtractor.Section> extract(String fileId) throws IOException;
    }

    /**
     * One file to ingest into one store.
     *
     * @param createdAt the attachment's time: an attachment replaced meanwhile is not overwritten
     * @param model the store's embedding model; null: keywords only
     * @param credentials the uploader's request headers, held in memory for this job only
     */
    public record Job(String storeId, String fileId, long createdAt, String filename, String model, int maxTokens, int overlapTokens,
            Map<String, Object> attributes, String attributesJson, Map<String, String> credentials) {}

    public Ingestion(RagStore store, Sink sink, Text text, Embedder embedder, int threads, int maxChunks) {
        this.store = store;
        this.sink = sink;
        this.text = text;
        this.embedder = embedder;
        this.maxChunks = maxChunks;
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Thread.ofPlatform().daemon().name("gatehouse-rag-ingest-", 0).factory());
    }

    public void submit(Job job) {
        active.add(job);
        try {
            pool.execute(() -> {
                try {
                    run(job);
                } finally {
                    active.remove(job);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            active.remove(job);
            fail(job, error("server_error", INTERRUPTED));
        }
    }

    /** The ingestions queued or running on this node. */
    public List<RagStore.Claim> active() {
        return active.stream().map(j -> new RagStore.Claim(j.storeId(), j.fileId(), j.createdAt())).toList();
    }

    private void run(Job job) {
        String error;
        try {
            RagStore.StoreFileRow row = store.storeFileNow(job.storeId(), job.fileId());
            if (row == null || row.createdAt() != job.createdAt() || !"in_progress".equals(row.status())) {
                return; // detached, replaced or cancelled before it started
            }
            List<TextExtractor.Section> sections = text.extract(job.fileId());
            List<Chunker.Chunk> chunks = Chunker.chunk(sections, job.maxTokens(), job.overlapTokens(), maxChunks);
            List<ChunkIndex.Entry> entries = new ArrayList<>(chunks.size());
            for (int from = 0; from < chunks.size(); from += BATCH) {
                List<Chunker.Chunk> batch = chunks.subList(from, Math.min(chunks.size(), from + BATCH));
                List<float[]> vectors = job.model() == null ? null : embed(job, batch);
                for (int i = 0; i < batch.size(); i++) {
                    entries.add(new ChunkIndex.Entry(batch.get(i), vectors == null ? null : vectors.get(i)));
                }
            }
            long usage = 0;
            for (Chunker.Chunk c : chunks) {
                usage += c.text().getBytes(StandardCharsets.UTF_8).length;
            }
            sink.completed(job, entries, usage);
            return;
        } catch (TextExtractor.UnsupportedFile e) {
            error = error("unsupported_file", e.getMessage());
        } catch (IllegalArgumentException e) {
            error = error("invalid_file", e.getMessage());
        } catch (EmbeddingFailed e) {
            error = error("server_error", pool.isShutdown() ? INTERRUPTED : e.getMessage());
        } catch (InterruptedException e) {
            error = error("server_error", INTERRUPTED);
        } catch (Exception e) {
            LOG.warn("ingestion of {} into {} failed: {}", job.fileId(), job.storeId(), e.toString());
            error = error("server_error", "The file could not be indexed: " + e.getClass().getSimpleName() + ".");
        }
        fail(job, error);
    }

    private void fail(Job job, String error) {
        try {
            sink.failed(job, error);
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

    /**
     * Stops: running files end failed (interrupted), and so do the queued ones, so that none waits
     * for a start (or, in server mode, a lease to run out) to be marked.
     */
    @Override
    public void close() {
        pool.shutdownNow();
        for (Job queued : List.copyOf(active)) {
            if (active.remove(queued)) {
                fail(queued, error("server_error", INTERRUPTED));
            }
        }
    }
}
