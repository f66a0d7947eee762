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
    /** Null for an ephemeral knowledge base, whose bytes are in {@link #memory}. */
    private final FileBlobs blobs;
    private final Path indexFolder;
    /** Opened on first use: a gateway that never uses knowledge bases never opens (or locks) the index. */
    private ChunkIndex index;
    private final Ingestion ingestion;
    private final Embedder embedder;
    private final ExecutorService work;
    private final Path uploads;
    /** Server mode only (null on SQLite): the chunks and bytes in the database, and this node's index kept in step. */
    private final SharedChunks shared;
    private final IndexSync sync;
    /** This node's name in ingestion leases; kept in the data folder, so a restarted node knows its own. */
    private final String nodeId;
    /** Ephemeral only (else null): the files' bytes, and the in-memory database this knowledge base owns. */
    private final MemoryBlobs memory;
    private final Database ownDatabase;

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
        this.shared = store.shared() ? new SharedChunks(database) : null;
        this.sync = shared == null ? null : new IndexSync(shared, this::index, blobs);
        this.memory = null;
        this.ownDatabase = null;
        this.ingestion = new Ingestion(store, shared == null ? new LocalSink() : new SharedSink(),
                id -> TextExtractor.extract(localCopy(id)), embedder, config.ingestionThreads(), config.maxChunksPerFile());
        this.work = workers();
        this.nodeId = nodeId(root);
        String interrupted = Ingestion.error("server_error", Ingestion.INTERRUPTED);
        // One node: whatever is in progress at start was interrupted. Several: only what this node held;
        // the others' are theirs (or failed by the lease sweep when their node is gone).
        int failed = shared == null ? store.failInterrupted(interrupted) : store.failClaimedBy(nodeId, interrupted);
        if (failed > 0) {
            LOG.info("knowledge bases: {} file ingestions interrupted by the last stop marked failed", failed);
        }
        sweep();
        if (sync != null) {
            sync.start();
        }
    }

    /**
     * An ephemeral knowledge base, for zero-data-retention traffic: metadata in an in-memory
     * database of its own, files' bytes in memory, search index in memory. Nothing of it reaches
     * the disk or the gateway's database, and all of it is gone when the gateway stops.
     *
     * @param maxBytes the most all its files' bytes may take together
     */
    public static KnowledgeBase ephemeral(Embedder embedder, RagConfig config, long maxBytes) {
        Database database = Database.open("jdbc:sqlite:file:gatehouse-ephemeral-" + java.util.UUID.randomUUID() + "?mode=memory",
                null, null, null);
        return new KnowledgeBase(database, embedder, config, new MemoryBlobs(maxBytes));
    }

    private KnowledgeBase(Database database, Embedder embedder, RagConfig config, MemoryBlobs memory) {
        this.store = new RagStore(database);
        this.ownDatabase = database;
        this.memory = memory;
        this.blobs = null;
        this.uploads = null;
        this.indexFolder = null;
        this.embedder = embedder;
        this.shared = null;
        this.sync = null;
        this.nodeId = null;
        this.ingestion = new Ingestion(store, new LocalSink(), id -> {
            byte[] bytes = memory.get(id);
            if (bytes == null) {
                throw new java.nio.file.NoSuchFileException(id);
            }
            return TextExtractor.extract(bytes);
        }, embedder, config.ingestionThreads(), config.maxChunksPerFile());
        this.work = workers();
    }

    private static ExecutorService workers() {
        return Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                Thread.ofPlatform().daemon().name("gatehouse-rag-", 0).factory());
    }

    /** Whether this is an ephemeral (memory-only) knowledge base. */
    public boolean ephemeral() {
        return memory != null;
    }

    /** Ephemeral: keeps an uploaded file's bytes (in memory); false when the ephemeral space is full. */
    public boolean keep(String id, byte[] bytes) {
        return memory.put(id, bytes);
    }

    /** Ephemeral: a file's bytes, or null. */
    public byte[] bytes(String id) {
        return memory.get(id);
    }

    /** How long an ingestion's lease lasts without renewal (server mode): a dead node's files are failed after it. */
    static final long LEASE_SECONDS = 60;

    private static String nodeId(Path root) {
        Path file = root.resolve("node-id");
        try {
            if (Files.exists(file)) {
                return Files.readString(file).strip();
            }
            String id = "node-" + java.util.UUID.randomUUID();
            Files.writeString(file, id);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file, e);
        }
    }

    /** Embedded mode: the chunks go into this node's index, the outcome into the database. */
    private final class LocalSink implements Ingestion.Sink {
        @Override
        public void completed(Ingestion.Job job, List<ChunkIndex.Entry> entries, long usageBytes) throws Exception {
            index().put(job.storeId(), job.fileId(), job.filename(), job.attributes(), job.attributesJson(), entries);
            boolean finished;
            try {
                finished = store.finish(job.storeId(), job.fileId(), job.createdAt(), "completed", null, usageBytes);
            } catch (RuntimeException e) {
                // Not recorded as completed: its chunks must not stay searchable (the file ends failed).
                index().deleteFileInStore(job.storeId(), job.fileId());
                throw e;
            }
            if (!finished) {
                // Detached, its store or the file deleted, or cancelled while this ran: leave nothing behind.
                index().deleteFileInStore(job.storeId(), job.fileId());
            }
        }

        @Override
        public void failed(Ingestion.Job job, String lastErrorJson) {
            store.finish(job.storeId(), job.fileId(), job.createdAt(), "failed", lastErrorJson, 0);
        }
    }

    /**
     * Server mode: the chunks and the outcome go into the database in one transaction; every node's
     * index follows. This node indexes the chunks first, as in embedded mode, so that a file it shows
     * {@code completed} is searchable here at once (and its index need not read them back).
     */
    private final class SharedSink implements Ingestion.Sink {
        @Override
        public void completed(Ingestion.Job job, List<ChunkIndex.Entry> entries, long usageBytes) throws Exception {
            index().put(job.storeId(), job.fileId(), job.filename(), job.attributes(), job.attributesJson(), entries);
            long seq;
            try {
                seq = store.finishShared(job.storeId(), job.fileId(), job.createdAt(), "completed", null, usageBytes, entries);
            } catch (RuntimeException e) {
                index().deleteFileInStore(job.storeId(), job.fileId());
                throw e;
            }
            if (seq == 0) {
                // Detached, its store or the file deleted, or cancelled while this ran: leave nothing behind.
                index().deleteFileInStore(job.storeId(), job.fileId());
                return;
            }
            sync.changed(seq);
        }

        @Override
        public void failed(Ingestion.Job job, String lastErrorJson) throws Exception {
            long seq = store.finishShared(job.storeId(), job.fileId(), job.createdAt(), "failed", lastErrorJson, 0, List.of());
            if (seq != 0) {
                sync.changed(0);
            }
        }
    }

    /** Server mode: this node's index sync (for the other nodes' announcements); null in embedded mode. */
    public IndexSync sync() {
        return sync;
    }

    /**
     * Where a file's bytes are on this node's disk; in server mode fetched from the database first
     * when this node has not got them (uploaded through another node). Blocks.
     */
    public Path localCopy(String id) throws IOException {
        Path path = blobs.path(id);
        if (shared != null && !Files.exists(path)) {
            if (!shared.loadBytes(id, path)) {
                throw new java.nio.file.NoSuchFileException(id);
            }
            if (!shared.fileExists(id)) {
                // Deleted (through another node) while this copied it: its deletion may have passed here already.
                blobs.delete(id);
                throw new java.nio.file.NoSuchFileException(id);
            }
        }
        return path;
    }

    /** {@link #localCopy} off the event loop. */
    public CompletableFuture<Path> localCopyAsync(String id) {
        return run(() -> localCopy(id));
    }

    /**
     * Server mode, on a timer: renews this node's ingestion leases and fails ingestions whose node
     * is gone (lease run out). Any node may run it; the updates are conditional, so running it
     * everywhere is harmless. Blocks; for the housekeeping thread.
     */
    public void keepLeasesQuietly() {
        if (shared == null) {
            return;
        }
        try {
            long now = System.currentTimeMillis() / 1000;
            store.renewClaims(ingestion.active(), nodeId, now + LEASE_SECONDS);
            int failed = store.failAbandoned(now, LEASE_SECONDS, Ingestion.error("server_error", Ingestion.INTERRUPTED));
            if (failed > 0) {
                LOG.info("knowledge bases: {} file ingestions of a node that stopped marked failed", failed);
                sync.changed(0);
            }
        } catch (Exception e) {
            LOG.warn("knowledge bases: ingestion leases not renewed (storage unavailable?): {}", e.toString());
        }
    }

    /** Server mode, on the leader: forgets index changes older than a week (a node further behind rebuilds). */
    public void pruneChangesQuietly() {
        if (shared == null) {
            return;
        }
        try {
            shared.prune(System.currentTimeMillis() / 1000 - 7 * 86_400L);
        } catch (RuntimeException e) {
            LOG.warn("knowledge bases: old index changes not pruned (storage unavailable?): {}", e.getMessage());
        }
    }

    /** The search index, opened on first use. Blocking (the first call opens files). */
    synchronized ChunkIndex index() {
        if (index == null) {
            index = memory != null ? ChunkIndex.inMemory() : new ChunkIndex(indexFolder);
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

    /**
     * Adds an uploaded file: its bytes (already streamed to disk) moved into place, then its row
     * (server mode: the row and the bytes in one transaction, the database being the source of
     * truth that other nodes fetch from). When the row cannot be written the bytes are removed
     * again, so no file's bytes outlive a failed upload.
     */
    public CompletableFuture<Void> addFile(Path upload, RagStore.FileRow row) {
        return run(() -> {
            blobs.adopt(upload, row.id());
            try {
                if (shared != null) {
                    shared.saveFile(row, blobs.path(row.id()));
                } else {
                    store.insertFileNow(row);
                }
            } catch (RuntimeException | Error e) {
                discardQuietly(row.id());
                throw e;
            }
            return null;
        });
    }

    /**
     * Ephemeral: adds the row of a file whose bytes {@link #keep} holds; when the row cannot be
     * written the bytes are let go, so they neither leak nor count against the space.
     */
    public CompletableFuture<Void> addKeptFile(RagStore.FileRow row) {
        return store.insertFile(row).whenComplete((v, e) -> {
            if (e != null) {
                memory.delete(row.id());
            }
        });
    }

    private void discardQuietly(String id) {
        try {
            blobs.delete(id);
        } catch (IOException | RuntimeException e) {
            LOG.warn("knowledge bases: bytes of a file not added could not be removed (removed at the next start): {}", e.toString());
        }
    }

    /**
     * At start, before any request: removes what a stop or a crash left half done in this node's
     * folder: uploads that were still arriving, copies half fetched from the database, and the bytes
     * of files without a row (an upload whose row was never written, a delete whose bytes stayed).
     */
    private void sweep() {
        int removed = 0;
        try {
            try (java.util.stream.Stream<Path> spooled = Files.list(uploads)) {
                for (Path p : spooled.toList()) {
                    removed += Files.deleteIfExists(p) ? 1 : 0;
                }
            }
            for (String partial : blobs.partials()) {
                removed += Files.deleteIfExists(blobs.folder().resolve(partial)) ? 1 : 0;
            }
            for (String id : blobs.ids()) {
                if (!store.fileExistsNow(id)) {
                    blobs.delete(id);
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("knowledge bases: leftover files not swept at start: {}", e.toString());
        }
        if (removed > 0) {
            LOG.info("knowledge bases: {} leftover files of an earlier run removed", removed);
        }
    }

    /** Deletes a file everywhere: its row, its attachments, its chunks in every store, its bytes. False: not the owner's. */
    public CompletableFuture<Boolean> deleteFile(String owner, String id) {
        return store.deleteFile(owner, id).thenCompose(stores -> stores == null ? CompletableFuture.completedFuture(false) : run(() -> {
            if (sync != null) {
                sync.changed(0); // applies the deletion here (index and bytes) before the answer; the others follow
            } else {
                index().deleteFile(id);
                if (memory != null) {
                    memory.delete(id);
                } else {
                    blobs.delete(id);
                }
            }
            return true;
        }));
    }

    /** Deletes a store and every chunk in it. False: not the owner's. */
    public CompletableFuture<Boolean> deleteStore(String owner, String id) {
        return store.deleteStore(owner, id).thenCompose(deleted -> !deleted ? CompletableFuture.completedFuture(false) : run(() -> {
            if (sync != null) {
                sync.changed(0);
            } else {
                index().deleteStore(id);
            }
            return true;
        }));
    }

    /** Detaches a file from a store and removes its chunks there. False: not attached (or not the owner's). */
    public CompletableFuture<Boolean> detach(String owner, String storeId, String fileId) {
        return store.detach(owner, storeId, fileId).thenCompose(deleted -> !deleted ? CompletableFuture.completedFuture(false)
                : run(() -> {
                    if (sync != null) {
                        sync.changed(0);
                    } else {
                        index().deleteFileInStore(storeId, fileId);
                    }
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
                    if (sync != null) {
                        sync.changed(0); // server mode: applied here from the database before the answer, the others follow
                        return row;
                    }
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
        if (sync != null) {
            sync.close();
        }
        work.shutdownNow();
        synchronized (this) {
            if (index != null) {
                index.close();
            }
        }
        if (ownDatabase != null) {
            ownDatabase.close(); // an ephemeral knowledge base's database: in memory, gone with it
        }
    }
}
