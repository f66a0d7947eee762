package dev.gatehouse.rag;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's search index in step with the database (server mode): it applies the shared
 * change log ({@link SharedChunks}) in order, from the last change its index holds, and records
 * each in the index's own commit. A node with an empty index (first start, a fresh data folder),
 * one whose index is ahead of the database (a folder from another database) or one further behind
 * than the log reaches rebuilds its index from the chunks in the database instead. It runs every
 * {@link #POLL_MILLIS} and synchronously after this node's own changes, so this node answers from an
 * index that has them.
 */
public final class IndexSync implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IndexSync.class);
    /** How often a node looks for changes made by the others. */
    static final long POLL_MILLIS = 1_000;
    private static final int PAGE = 200;

    private final SharedChunks shared;
    private final Supplier<ChunkIndex> index;
    private final FileBlobs blobs;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("gatehouse-rag-sync").factory());

    public IndexSync(SharedChunks shared, Supplier<ChunkIndex> index, FileBlobs blobs) {
        this.shared = shared;
        this.index = index;
        this.blobs = blobs;
    }

    /** Starts catching up in the background, then polling. */
    public void start() {
        poller.scheduleWithFixedDelay(this::catchUpQuietly, 0, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * This node changed the log: apply it before answering (the others follow at their next poll). Blocks.
     *
     * @param indexedHere a change this node has already put into its index itself (0: none), not read
     *     back. Safe to skip: an earlier change to the same file in the same store (detached, deleted,
     *     attached again) would have made the ingestion's conditional update, and so this change, fail
     */
    void changed(long indexedHere) throws IOException {
        catchUp(indexedHere);
    }

    private void catchUpQuietly() {
        try {
            catchUp(0);
        } catch (Exception e) {
            LOG.warn("knowledge bases: search index not brought up to date (retried in {} ms): {}", POLL_MILLIS, e.toString());
        }
    }

    /** Applies every change not yet in this node's index. Blocks; one caller at a time. */
    synchronized void catchUp(long indexedHere) throws IOException {
        ChunkIndex idx = index.get();
        long applied = idx.appliedSeq();
        long head = shared.head();
        if (applied == head) {
            return;
        }
        List<SharedChunks.Change> changes = shared.changesAfter(applied, PAGE);
        if (applied > head || applied == 0 || changes.isEmpty() || changes.getFirst().seq() != applied + 1) {
            rebuild(idx, head);
            return;
        }
        while (!changes.isEmpty()) {
            for (SharedChunks.Change c : changes) {
                if (c.seq() != indexedHere) {
                    apply(idx, c);
                }
                applied = c.seq();
            }
            idx.markApplied(applied);
            changes = shared.changesAfter(applied, PAGE);
        }
    }

    private void apply(ChunkIndex idx, SharedChunks.Change c) throws IOException {
        switch (c.kind()) {
            case "put" -> put(idx, c.storeId(), c.fileId());
            case "file" -> {
                idx.deleteFile(c.fileId());
                blobs.delete(c.fileId());
            }
            case "store" -> idx.deleteStore(c.storeId());
            default -> LOG.warn("knowledge bases: unknown index change '{}' at {} skipped (a newer node wrote it?)", c.kind(), c.seq());
        }
    }

    /** Loads one file's chunks in one store as they are now (a later change wins; replaying an old one is harmless). */
    private void put(ChunkIndex idx, String storeId, String fileId) throws IOException {
        SharedChunks.FileChunks now = shared.chunks(storeId, fileId);
        if (now.entries().isEmpty()) {
            idx.deleteFileInStore(storeId, fileId);
        } else {
            idx.put(storeId, fileId, now.filename(), now.attributes(), now.attributesJson(), now.entries());
        }
    }

    /**
     * Builds the index afresh from the database as of {@code head}; changes after it are applied by
     * the next catch-up (they read the rows as they are then, so applying one twice is harmless).
     * Cached bytes of files deleted meanwhile are dropped too.
     */
    private void rebuild(ChunkIndex idx, long head) throws IOException {
        long started = System.nanoTime();
        idx.clear();
        List<String[]> files = shared.filesWithChunks();
        for (String[] f : files) {
            put(idx, f[0], f[1]);
        }
        for (String cached : blobs.ids()) {
            if (!shared.fileExists(cached)) {
                blobs.delete(cached);
            }
        }
        idx.markApplied(head);
        LOG.info("knowledge bases: search index rebuilt from the database ({} files in stores, up to change {}) in {} ms",
                files.size(), head, (System.nanoTime() - started) / 1_000_000);
    }

    @Override
    public void close() {
        // Not shutdownNow: an interrupt during Lucene's file I/O closes the index's channels under it.
        poller.shutdown();
        try {
            poller.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
