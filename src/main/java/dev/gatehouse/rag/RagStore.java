package dev.gatehouse.rag;

import dev.gatehouse.store.Database;
import dev.gatehouse.store.Dialect;
import dev.gatehouse.store.Sql;
import dev.gatehouse.store.SqlWork;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Files, vector stores and the files attached to stores, in the gateway's database. Every read,
 * change and delete is scoped by the owner (the caller's team, or the caller itself when it has
 * none): another owner's id reads as not found. The {@code async} methods run through
 * {@link Database#async}, never on the event loop; the others block (ingestion threads).
 */
public final class RagStore {
    private final Database database;
    /** Server mode: chunks and bytes live in the database too, and every change to them is logged for the other nodes. */
    private final boolean shared;

    public RagStore(Database database) {
        this.database = database;
        this.shared = database.dialect() == Dialect.POSTGRESQL;
    }

    /** Whether this is server mode (PostgreSQL): several nodes, the database the source of truth for chunks. */
    public boolean shared() {
        return shared;
    }

    public record FileRow(String id, String owner, String filename, String purpose, long bytes, long createdAt) {}

    /** @param expiresDays null: never expires; expiresAt then null too */
    public record StoreRow(String id, String owner, String name, long createdAt, long lastActiveAt, String metadataJson,
            Integer expiresDays, Long expiresAt, String embeddingModel) {
        public boolean expired(long now) {
            return expiresAt != null && now >= expiresAt;
        }
    }

    public record StoreFileRow(String storeId, String fileId, String owner, String batchId, long createdAt, String status,
            String lastErrorJson, String chunkingJson, String attributesJson, long usageBytes) {}

    public record Counts(int inProgress, int completed, int failed, int cancelled, long usageBytes) {
        public int total() {
            return inProgress + completed + failed + cancelled;
        }
    }

    /** A page of rows and whether more follow. */
    public record Page<T>(List<T> rows, boolean hasMore) {}

    // ---- files

    public CompletableFuture<Void> insertFile(FileRow f) {
        return database.async(c -> {
            insertFile(c, f);
            return null;
        });
    }

    /** {@link #insertFile} on the caller's thread. Blocks. */
    public void insertFileNow(FileRow f) {
        database.call(c -> {
            insertFile(c, f);
            return null;
        });
    }

    /** Inserts a file's row in the caller's transaction (server mode: the same one as its bytes). */
    static void insertFile(Connection c, FileRow f) throws SQLException {
        Sql.update(c, "INSERT INTO rag_files (id, owner, filename, purpose, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                f.id(), f.owner(), f.filename(), f.purpose(), f.bytes(), f.createdAt());
    }

    /** Whether a file's row exists (any owner). Blocks. */
    public boolean fileExistsNow(String id) {
        return database.call(c -> Sql.one(c, "SELECT 1 FROM rag_files WHERE id = ?", rs -> true, id) != null);
    }

    public CompletableFuture<FileRow> file(String owner, String id) {
        return database.async(c -> file(c, owner, id));
    }

    public FileRow fileNow(String owner, String id) {
        return database.call(c -> file(c, owner, id));
    }

    private static FileRow file(Connection c, String owner, String id) throws SQLException {
        return Sql.one(c, "SELECT id, owner, filename, purpose, bytes, created_at FROM rag_files WHERE id = ? AND owner = ?",
                RagStore::fileRow, id, owner);
    }

    public CompletableFuture<Page<FileRow>> files(String owner, String purpose, int limit, boolean ascending, String after) {
        return database.async(c -> page(c, "SELECT id, owner, filename, purpose, bytes, created_at FROM rag_files",
                "owner = ?" + (purpose == null ? "" : " AND purpose = ?"),
                purpose == null ? List.of(owner) : List.of(owner, purpose), "rag_files", "owner = ?", owner,
                limit, ascending, after, RagStore::fileRow));
    }

    /**
     * Deletes a file and detaches it from every store (in one transaction); returns the stores it
     * was in, or null when the owner has no such file.
     */
    public CompletableFuture<List<String>> deleteFile(String owner, String id) {
        return database.async(SqlWork.inTransaction(c -> {
            if (file(c, owner, id) == null) {
                return null;
            }
            List<String> stores = Sql.query(c, "SELECT vector_store_id FROM rag_vector_store_files WHERE file_id = ? AND owner = ?",
                    rs -> rs.getString(1), id, owner);
            Sql.update(c, "DELETE FROM rag_vector_store_files WHERE file_id = ? AND owner = ?", id, owner);
            Sql.update(c, "DELETE FROM rag_files WHERE id = ? AND owner = ?", id, owner);
            if (shared) {
                Sql.update(c, "DELETE FROM rag_chunks WHERE file_id = ?", id);
                Sql.update(c, "DELETE FROM rag_file_parts WHERE file_id = ?", id);
                SharedChunks.log(c, "file", null, id);
            }
            return stores;
        }));
    }

    private static FileRow fileRow(ResultSet rs) throws SQLException {
        return new FileRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6));
    }

    // ---- vector stores

    private static final String STORE_COLUMNS = "SELECT id, owner, name, created_at, last_active_at, metadata, expires_days,"
            + " expires_at, embedding_model FROM rag_vector_stores";

    public CompletableFuture<Void> insertStore(StoreRow s) {
        return database.async(c -> {
            Sql.update(c, "INSERT INTO rag_vector_stores (id, owner, name, created_at, last_active_at, metadata, expires_days,"
                    + " expires_at, embedding_model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", s.id(), s.owner(), s.name(), s.createdAt(),
                    s.lastActiveAt(), s.metadataJson(), Sql.nullableInt(s.expiresDays()), Sql.nullableLong(s.expiresAt()),
                    s.embeddingModel());
            return null;
        });
    }

    public CompletableFuture<StoreRow> store(String owner, String id) {
        return database.async(c -> store(c, owner, id));
    }

    public StoreRow storeNow(String owner, String id) {
        return database.call(c -> store(c, owner, id));
    }

    private static StoreRow store(Connection c, String owner, String id) throws SQLException {
        return Sql.one(c, STORE_COLUMNS + " WHERE id = ? AND owner = ?", RagStore::storeRow, id, owner);
    }

    /**
     * A store by id whoever owns it, or null: only for a store another owner shares by access policy
     * (the caller checks the grant before showing anything of it).
     */
    public CompletableFuture<StoreRow> sharedStore(String id) {
        return database.async(c -> Sql.one(c, STORE_COLUMNS + " WHERE id = ?", RagStore::storeRow, id));
    }

    /** The stores of {@code owner} among {@code ids}, in no particular order (unknown and others' ids are left out). */
    public CompletableFuture<List<StoreRow>> stores(String owner, List<String> ids) {
        return database.async(c -> {
            List<StoreRow> found = new ArrayList<>();
            for (String id : ids) {
                StoreRow s = store(c, owner, id);
                if (s != null) {
                    found.add(s);
                }
            }
            return found;
        });
    }

    public CompletableFuture<Page<StoreRow>> stores(String owner, int limit, boolean ascending, String after) {
        return database.async(c -> page(c, STORE_COLUMNS, "owner = ?", List.of(owner), "rag_vector_stores", "owner = ?", owner,
                limit, ascending, after, RagStore::storeRow));
    }

    /**
     * One page of the stores {@code owner} may read: its own and other owners' that {@code shared}
     * accepts (a policy shares them), in one order (creation, then id) so that {@code after} pages
     * through both alike. {@code after} must be a store the caller may read; another id gives an
     * empty page, as an unknown one. Other owners' stores are scanned in batches and filtered here,
     * since grants are globs: only for a caller that some policy shares stores with.
     */
    public CompletableFuture<Page<StoreRow>> readableStores(String owner, java.util.function.Predicate<StoreRow> shared, int limit,
            boolean ascending, String after) {
        java.util.function.Predicate<StoreRow> visible = s -> s.owner().equals(owner) || shared.test(s);
        return database.async(c -> {
            StoreRow cursor = null;
            if (after != null) {
                cursor = Sql.one(c, STORE_COLUMNS + " WHERE id = ?", RagStore::storeRow, after);
                if (cursor == null || !visible.test(cursor)) {
                    return new Page<StoreRow>(List.of(), false);
                }
            }
            String cmp = ascending ? ">" : "<";
            String dir = ascending ? "ASC" : "DESC";
            List<StoreRow> found = new ArrayList<>();
            while (found.size() <= limit) {
                List<StoreRow> batch = cursor == null
                        ? Sql.query(c, STORE_COLUMNS + " ORDER BY created_at " + dir + ", id " + dir + " LIMIT ?", RagStore::storeRow,
                                SCAN_BATCH)
                        : Sql.query(c, STORE_COLUMNS + " WHERE created_at " + cmp + " ? OR (created_at = ? AND id " + cmp + " ?)"
                                + " ORDER BY created_at " + dir + ", id " + dir + " LIMIT ?", RagStore::storeRow, cursor.createdAt(),
                                cursor.createdAt(), cursor.id(), SCAN_BATCH);
                for (StoreRow s : batch) {
                    if (found.size() <= limit && visible.test(s)) {
                        found.add(s);
                    }
                }
                if (batch.size() < SCAN_BATCH) {
                    break;
                }
                cursor = batch.getLast();
            }
            boolean more = found.size() > limit;
            return new Page<>(more ? List.copyOf(found.subList(0, limit)) : found, more);
        });
    }

    /** Rows read at a time when a list filters other owners' stores by their grants. */
    private static final int SCAN_BATCH = 500;

    /** Replaces a store's name, metadata and expiry; returns the store as changed, or null when there is none. */
    public CompletableFuture<StoreRow> updateStore(String owner, String id, String name, String metadataJson, Integer expiresDays,
            boolean expiryGiven) {
        return database.async(c -> {
            StoreRow s = store(c, owner, id);
            if (s == null) {
                return null;
            }
            Integer days = expiryGiven ? expiresDays : s.expiresDays();
            Long expiresAt = days == null ? null : s.lastActiveAt() + days * 86_400L;
            Sql.update(c, "UPDATE rag_vector_stores SET name = ?, metadata = ?, expires_days = ?, expires_at = ? WHERE id = ? AND owner = ?",
                    name != null ? name : s.name(), metadataJson != null ? metadataJson : s.metadataJson(), Sql.nullableInt(days),
                    Sql.nullableLong(expiresAt), id, owner);
            return store(c, owner, id);
        });
    }

    /** Marks stores used now (their expiry moves with it). */
    public CompletableFuture<Void> touch(List<StoreRow> stores, long now) {
        return database.async(c -> {
            for (StoreRow s : stores) {
                Sql.update(c, "UPDATE rag_vector_stores SET last_active_at = ?, expires_at = ? WHERE id = ?", now,
                        Sql.nullableLong(s.expiresDays() == null ? null : now + s.expiresDays() * 86_400L), s.id());
            }
            return null;
        });
    }

    /** Deletes a store and its file attachments; false when the owner has no such store. */
    public CompletableFuture<Boolean> deleteStore(String owner, String id) {
        return database.async(SqlWork.inTransaction(c -> {
            if (store(c, owner, id) == null) {
                return false;
            }
            Sql.update(c, "DELETE FROM rag_vector_store_files WHERE vector_store_id = ?", id);
            Sql.update(c, "DELETE FROM rag_vector_stores WHERE id = ?", id);
            if (shared) {
                Sql.update(c, "DELETE FROM rag_chunks WHERE vector_store_id = ?", id);
                SharedChunks.log(c, "store", id, null);
            }
            return true;
        }));
    }

    /** Stores past their expiry, for the purge: (owner, id). Blocks. */
    public List<StoreRow> expired(long now) {
        return database.call(c -> Sql.query(c, STORE_COLUMNS + " WHERE expires_at IS NOT NULL AND expires_at <= ?",
                RagStore::storeRow, now));
    }

    private static StoreRow storeRow(ResultSet rs) throws SQLException {
        return new StoreRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5), rs.getString(6),
                Sql.nullableInt(rs, "expires_days"), Sql.nullableLong(rs, "expires_at"), rs.getString(9));
    }

    // ---- files in stores

    private static final String STORE_FILE_COLUMNS = "SELECT vector_store_id, file_id, owner, batch_id, created_at, status,"
            + " last_error, chunking, attributes, usage_bytes FROM rag_vector_store_files";

    /** Attaches files (replacing an earlier attachment of the same file), all in progress. */
    public CompletableFuture<Void> attach(List<StoreFileRow> rows) {
        return database.async(SqlWork.inTransaction(c -> {
            for (StoreFileRow r : rows) {
                Sql.update(c, "DELETE FROM rag_vector_store_files WHERE vector_store_id = ? AND file_id = ?", r.storeId(), r.fileId());
                Sql.update(c, "INSERT INTO rag_vector_store_files (vector_store_id, file_id, owner, batch_id, created_at, status,"
                        + " last_error, chunking, attributes, usage_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", r.storeId(),
                        r.fileId(), r.owner(), r.batchId(), r.createdAt(), r.status(), r.lastErrorJson(), r.chunkingJson(),
                        r.attributesJson(), r.usageBytes());
            }
            return null;
        }));
    }

    public CompletableFuture<StoreFileRow> storeFile(String owner, String storeId, String fileId) {
        return database.async(c -> Sql.one(c, STORE_FILE_COLUMNS + " WHERE vector_store_id = ? AND file_id = ? AND owner = ?",
                RagStore::storeFileRow, storeId, fileId, owner));
    }

    public StoreFileRow storeFileNow(String storeId, String fileId) {
        return database.call(c -> Sql.one(c, STORE_FILE_COLUMNS + " WHERE vector_store_id = ? AND file_id = ?",
                RagStore::storeFileRow, storeId, fileId));
    }

    /** A store's files, optionally only those of one batch or one status. */
    public CompletableFuture<Page<StoreFileRow>> storeFiles(String owner, String storeId, String batchId, String status, int limit,
            boolean ascending, String after) {
        List<Object> params = new ArrayList<>(List.of(owner, storeId));
        StringBuilder where = new StringBuilder("owner = ? AND vector_store_id = ?");
        if (batchId != null) {
            where.append(" AND batch_id = ?");
            params.add(batchId);
        }
        if (status != null) {
            where.append(" AND status = ?");
            params.add(status);
        }
        return database.async(c -> pageOfFiles(c, where.toString(), params, storeId, limit, ascending, after));
    }

    /**
     * Replaces an attached file's attributes unless its ingestion is still running (which would index
     * the old ones). Returns the row as changed; null when not attached (or not the owner's); the row
     * unchanged when in progress (the caller tells from its status).
     */
    public CompletableFuture<StoreFileRow> updateAttributes(String owner, String storeId, String fileId, String attributesJson) {
        return database.async(SqlWork.inTransaction(c -> {
            int changed = Sql.update(c, "UPDATE rag_vector_store_files SET attributes = ? WHERE vector_store_id = ? AND file_id = ?"
                    + " AND owner = ? AND status <> 'in_progress'", attributesJson, storeId, fileId, owner);
            if (changed > 0 && shared) {
                SharedChunks.log(c, "put", storeId, fileId); // every node re-reads the file's chunks with the new attributes
            }
            return Sql.one(c, STORE_FILE_COLUMNS + " WHERE vector_store_id = ? AND file_id = ? AND owner = ?", RagStore::storeFileRow,
                    storeId, fileId, owner);
        }));
    }

    /** Detaches a file from a store; false when it was not attached (or not the owner's). */
    public CompletableFuture<Boolean> detach(String owner, String storeId, String fileId) {
        return database.async(SqlWork.inTransaction(c -> {
            boolean detached = Sql.update(c, "DELETE FROM rag_vector_store_files WHERE vector_store_id = ? AND file_id = ?"
                    + " AND owner = ?", storeId, fileId, owner) > 0;
            if (detached && shared) {
                SharedChunks.replaceChunks(c, storeId, fileId, List.of());
            }
            return detached;
        }));
    }

    /** Records how an ingestion ended; false when the file was detached (or its store deleted) meanwhile. Blocks. */
    public boolean finish(String storeId, String fileId, long createdAt, String status, String lastErrorJson, long usageBytes) {
        return database.call(c -> Sql.update(c, "UPDATE rag_vector_store_files SET status = ?, last_error = ?, usage_bytes = ?"
                + " WHERE vector_store_id = ? AND file_id = ? AND created_at = ? AND status = 'in_progress'", status, lastErrorJson,
                usageBytes, storeId, fileId, createdAt) > 0);
    }

    /**
     * Server mode: records how an ingestion ended and, in the same transaction, its chunks (none
     * unless completed) with the change for the other nodes' indexes; returns the change's sequence
     * number, or 0 (nothing written) when the file was detached, replaced or cancelled meanwhile. Blocks.
     */
    public long finishShared(String storeId, String fileId, long createdAt, String status, String lastErrorJson, long usageBytes,
            List<ChunkIndex.Entry> entries) {
        return database.call(SqlWork.inTransaction(c -> {
            if (Sql.update(c, "UPDATE rag_vector_store_files SET status = ?, last_error = ?, usage_bytes = ?, claimed_until = NULL"
                    + " WHERE vector_store_id = ? AND file_id = ? AND created_at = ? AND status = 'in_progress'", status, lastErrorJson,
                    usageBytes, storeId, fileId, createdAt) == 0) {
                return 0L;
            }
            return SharedChunks.replaceChunks(c, storeId, fileId, "completed".equals(status) ? entries : List.of());
        }));
    }

    /** An ingestion this node holds (queued or running): its lease is renewed while it does. */
    public record Claim(String storeId, String fileId, long createdAt) {}

    /** Renews this node's leases on the ingestions it holds, until {@code until} (epoch seconds). Blocks. */
    public void renewClaims(List<Claim> claims, String node, long until) {
        if (claims.isEmpty()) {
            return;
        }
        database.call(SqlWork.inTransaction(c -> {
            for (Claim k : claims) {
                Sql.update(c, "UPDATE rag_vector_store_files SET claimed_by = ?, claimed_until = ? WHERE vector_store_id = ?"
                        + " AND file_id = ? AND created_at = ? AND status = 'in_progress'", node, until, k.storeId(), k.fileId(),
                        k.createdAt());
            }
            return null;
        }));
    }

    /**
     * Server mode: fails the ingestions whose lease ran out (their node stopped renewing it: it died),
     * or, for one never claimed, that are older than a lease; any node may run it. Blocks.
     */
    public int failAbandoned(long now, long leaseSeconds, String lastErrorJson) {
        return database.call(c -> Sql.update(c, "UPDATE rag_vector_store_files SET status = 'failed', last_error = ?"
                + " WHERE status = 'in_progress' AND COALESCE(claimed_until, created_at + ?) < ?", lastErrorJson, leaseSeconds, now));
    }

    /** Server mode: fails the ingestions an earlier run of this node held (it restarted). Blocks. */
    public int failClaimedBy(String node, String lastErrorJson) {
        return database.call(c -> Sql.update(c, "UPDATE rag_vector_store_files SET status = 'failed', last_error = ?"
                + " WHERE status = 'in_progress' AND claimed_by = ?", lastErrorJson, node));
    }

    /** Cancels a batch's files still in progress; returns how many. */
    public CompletableFuture<Integer> cancelBatch(String owner, String storeId, String batchId) {
        return database.async(c -> Sql.update(c, "UPDATE rag_vector_store_files SET status = 'cancelled' WHERE owner = ?"
                + " AND vector_store_id = ? AND batch_id = ? AND status = 'in_progress'", owner, storeId, batchId));
    }

    /**
     * Ingestions that a stop interrupted are marked failed at start (the uploader's credentials,
     * which embedding needs, are not kept), so no file stays in progress for ever. Blocks.
     */
    public int failInterrupted(String lastErrorJson) {
        return database.call(c -> Sql.update(c, "UPDATE rag_vector_store_files SET status = 'failed', last_error = ?"
                + " WHERE status = 'in_progress'", lastErrorJson));
    }

    /** File counts and bytes of a store, or of one batch when {@code batchId} is given. */
    public CompletableFuture<Counts> counts(String storeId, String batchId) {
        return database.async(c -> counts(c, storeId, batchId));
    }

    private static Counts counts(Connection c, String storeId, String batchId) throws SQLException {
        List<Object> params = new ArrayList<>(List.of(storeId));
        String sql = "SELECT status, COUNT(*), SUM(usage_bytes) FROM rag_vector_store_files WHERE vector_store_id = ?";
        if (batchId != null) {
            sql += " AND batch_id = ?";
            params.add(batchId);
        }
        int[] n = new int[4];
        long[] bytes = new long[1];
        for (Object[] row : Sql.query(c, sql + " GROUP BY status", rs -> new Object[] {rs.getString(1), rs.getInt(2), rs.getLong(3)},
                params.toArray())) {
            int i = switch ((String) row[0]) {
                case "in_progress" -> 0;
                case "completed" -> 1;
                case "failed" -> 2;
                default -> 3;
            };
            n[i] += (Integer) row[1];
            bytes[0] += (Long) row[2];
        }
        return new Counts(n[0], n[1], n[2], n[3], bytes[0]);
    }

    private static StoreFileRow storeFileRow(ResultSet rs) throws SQLException {
        return new StoreFileRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getString(6),
                rs.getString(7), rs.getString(8), rs.getString(9), rs.getLong(10));
    }

    private static Page<StoreFileRow> pageOfFiles(Connection c, String where, List<Object> params, String storeId, int limit,
            boolean ascending, String after) throws SQLException {
        Long cursor = null;
        if (after != null) {
            cursor = Sql.one(c, "SELECT created_at FROM rag_vector_store_files WHERE vector_store_id = ? AND file_id = ?",
                    rs -> rs.getLong(1), storeId, after);
        }
        return finishPage(c, STORE_FILE_COLUMNS, where, params, "file_id", cursor, after, limit, ascending, RagStore::storeFileRow);
    }

    /**
     * One page ordered by creation (newest first unless ascending), continuing after the row
     * {@code after} (an id the owner can see; an unknown one gives an empty page).
     */
    private static <T> Page<T> page(Connection c, String select, String where, List<Object> params, String table, String ownerWhere,
            String owner, int limit, boolean ascending, String after, Sql.RowMapper<T> mapper) throws SQLException {
        Long cursor = null;
        if (after != null) {
            cursor = Sql.one(c, "SELECT created_at FROM " + table + " WHERE id = ? AND " + ownerWhere, rs -> rs.getLong(1), after, owner);
        }
        return finishPage(c, select, where, params, "id", cursor, after, limit, ascending, mapper);
    }

    private static <T> Page<T> finishPage(Connection c, String select, String where, List<Object> params, String idColumn, Long cursor,
            String after, int limit, boolean ascending, Sql.RowMapper<T> mapper) throws SQLException {
        if (after != null && cursor == null) {
            return new Page<>(List.of(), false);
        }
        List<Object> all = new ArrayList<>(params);
        String sql = select + " WHERE " + where;
        String cmp = ascending ? ">" : "<";
        if (cursor != null) {
            sql += " AND (created_at " + cmp + " ? OR (created_at = ? AND " + idColumn + " " + cmp + " ?))";
            all.add(cursor);
            all.add(cursor);
            all.add(after);
        }
        String dir = ascending ? "ASC" : "DESC";
        sql += " ORDER BY created_at " + dir + ", " + idColumn + " " + dir + " LIMIT ?";
        all.add(limit + 1);
        List<T> rows = Sql.query(c, sql, mapper, all.toArray());
        boolean more = rows.size() > limit;
        return new Page<>(more ? rows.subList(0, limit) : rows, more);
    }
}
