package dev.gatehouse.rag;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.config.RagConfig;
import dev.gatehouse.store.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.lucene.search.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knowledge bases: the metadata ({@link RagStore}), the files' bytes ({@link FileBlobs}), the
 * search index ({@link ChunkIndex}) and ingestion, under {@code <data>/rag}. The endpoints check
 * ownership through {@link #store()} and ask this class for the work that touches the index or the
 * disk, which runs on its own threads, never on the event loop.
 */
public final class KnowledgeBase implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KnowledgeBase.class);

    private final RagStore store;
    private final FileBlobs blobs;
    private final Path indexFolder;
    /** Opened on first use: a gateway that never uses knowledge bases never opens (or locks) the index. */
    private ChunkIndex index;
    private final Ingestion ingestion;
    private final Embedder embedder;
    private final ExecutorService work;
    private final Path uploads;

    public KnowledgeBase(Database database, Path dataDir, Embedder embedder, RagConfig config) {
        this.store = new RagStore(database);
        Path root = dataDir.resolve("rag");
        this.blobs = new FileBlobs(root.resolve("files"));
        this.uploads = root.resolve("uploads");
        try {
            Files.createDirectories(uploads);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + uploads, e);
        }
        this.indexFolder = root.resolve("index");
        this.embedder = embedder;
        this.ingestion = new Ingestion(store, this::index, blobs, embedder, config.ingestionThreads(), config.maxChunksPerFile());
        this.work = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                Thread.ofPlatform().daemon().name("gatehouse-rag-", 0).factory());
        int failed = store.failInterrupted(Ingestion.error("server_error", Ingestion.INTERRUPTED));
        if (failed > 0) {
            LOG.info("knowledge bases: {} file ingestions interrupted by the last stop marked failed", failed);
        }
    }

    /** The search index, opened on first use. Blocking (the first call opens files). */
    synchronized ChunkIndex index() {
        if (index == null) {
            index = new ChunkIndex(indexFolder);
        }
        return index;
    }

    public RagStore store() {
        return store;
    }

    public FileBlobs blobs() {
        return blobs;
    }

    /** Where uploads are streamed to before they are adopted (same disk as the files: a move, not a copy). */
    public Path uploads() {
        return uploads;
    }

    public Ingestion ingestion() {
        return ingestion;
    }

    /** Runs blocking work (disk, index) on this knowledge base's threads. */
    public <T> CompletableFuture<T> run(java.util.concurrent.Callable<T> task) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, work);
    }

    /** Adopts an upload already streamed to disk as file {@code id}. */
    public CompletableFuture<Void> adopt(Path upload, String id) {
        return run(() -> {
            blobs.adopt(upload, id);
            return null;
        });
    }

    /** Deletes a file everywhere: its row, its attachments, its chunks in every store, its bytes. False: not the owner's. */
    public CompletableFuture<Boolean> deleteFile(String owner, String id) {
        return store.deleteFile(owner, id).thenCompose(stores -> stores == null ? CompletableFuture.completedFuture(false) : run(() -> {
            index().deleteFile(id);
            blobs.delete(id);
            return true;
        }));
    }

    /** Deletes a store and every chunk in it. False: not the owner's. */
    public CompletableFuture<Boolean> deleteStore(String owner, String id) {
        return store.deleteStore(owner, id).thenCompose(deleted -> !deleted ? CompletableFuture.completedFuture(false) : run(() -> {
            index().deleteStore(id);
            return true;
        }));
    }

    /** Detaches a file from a store and removes its chunks there. False: not attached (or not the owner's). */
    public CompletableFuture<Boolean> detach(String owner, String storeId, String fileId) {
        return store.detach(owner, storeId, fileId).thenCompose(deleted -> !deleted ? CompletableFuture.completedFuture(false)
                : run(() -> {
                    index().deleteFileInStore(storeId, fileId);
                    return true;
                }));
    }

    /**
     * Replaces the attributes of a file attached to one of the owner's stores, in the database and in
     * the index (in place: nothing is embedded again). Null: not attached (or not the owner's); a row
     * still {@code in_progress}: unchanged (see {@link RagStore#updateAttributes}).
     */
    public CompletableFuture<RagStore.StoreFileRow> updateAttributes(String owner, String storeId, String fileId,
            Map<String, Object> attributes, String attributesJson) {
        return store.updateAttributes(owner, storeId, fileId, attributesJson).thenCompose(row ->
                row == null || !row.status().equals("completed") ? CompletableFuture.completedFuture(row) : run(() -> {
                    index().updateAttributes(storeId, fileId, attributes, attributesJson);
                    if (store.storeFileNow(storeId, fileId) == null) {
                        // Detached or deleted while this rewrote its chunks: leave nothing behind (as ingestion does).
                        index().deleteFileInStore(storeId, fileId);
                    }
                    return row;
                }));
    }

    /** The text of a file's chunks in a store, in reading order (the caller checked ownership). */
    public CompletableFuture<List<String>> chunkTexts(String storeId, String fileId) {
        return run(() -> index().chunkTexts(storeId, fileId));
    }

    /**
     * Searches stores the caller may read (the caller checked that: its own, or shared with it by policy): stores embedded by the same model
     * share one query embedding and one hybrid search; results of several models merge by score.
     *
     * @param filters the API's {@code filters} object, or null
     */
    public CompletableFuture<List<ChunkIndex.Hit>> search(List<RagStore.StoreRow> stores, String query, JsonNode filters,
            String filtersParam, int limit, double threshold, Map<String, String> credentials) {
        Query filter = filters == null || filters.isNull() ? null : SearchFilters.parse(filters, filtersParam);
        Map<String, List<String>> byModel = new LinkedHashMap<>();
        for (RagStore.StoreRow s : stores) {
            byModel.computeIfAbsent(s.embeddingModel() == null ? "" : s.embeddingModel(), m -> new ArrayList<>()).add(s.id());
        }
        List<CompletableFuture<List<ChunkIndex.Hit>>> parts = new ArrayList<>();
        for (Map.Entry<String, List<String>> group : byModel.entrySet()) {
            CompletableFuture<List<float[]>> vector = group.getKey().isEmpty() ? CompletableFuture.completedFuture(null)
                    : embedder.embed(group.getKey(), List.of(query), credentials);
            parts.add(vector.thenCompose(v -> run(() -> index().search(group.getValue(), query, v == null ? null : v.getFirst(), filter,
                    limit, threshold))));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<ChunkIndex.Hit> all = new ArrayList<>();
            parts.forEach(p -> all.addAll(p.join()));
            all.sort(Comparator.comparingDouble(ChunkIndex.Hit::score).reversed());
            return all.size() > limit ? List.copyOf(all.subList(0, limit)) : all;
        });
    }

    /** Deletes the stores past their {@code expires_after}, with their chunks. Blocks; for the housekeeping thread. */
    public int purgeExpiredQuietly() {
        try {
            int n = 0;
            for (RagStore.StoreRow s : store.expired(System.currentTimeMillis() / 1000)) {
                if (deleteStore(s.owner(), s.id()).join()) {
                    n++;
                }
            }
            if (n > 0) {
                LOG.info("knowledge bases: deleted {} expired vector stores", n);
            }
            return n;
        } catch (RuntimeException e) {
            LOG.warn("knowledge bases: expired vector stores not deleted (storage unavailable?): {}", e.getMessage());
            return 0;
        }
    }

    /** Stops ingestion (files in progress end failed, to attach again); before the server stops. */
    public void stopIngestion() {
        ingestion.close();
    }

    @Override
    public void close() throws IOException {
        ingestion.close();
        work.shutdownNow();
        synchronized (this) {
            if (index != null) {
                index.close();
            }
        }
    }
}
