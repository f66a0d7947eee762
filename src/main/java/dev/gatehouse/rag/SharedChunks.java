package dev.gatehouse.rag;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.Sql;
import dev.gatehouse.store.SqlWork;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Server mode's source of truth for knowledge bases (PostgreSQL): the files' bytes, the chunks of
 * every file in every store with their vectors, and the ordered log of index changes that every
 * node's {@link IndexSync} applies to its own search index. The {@code Connection} methods run inside
 * the caller's transaction (a change is logged in the same transaction as the rows it describes);
 * the others block: call them off the event loop.
 */
public final class SharedChunks {
    /** Parts of a file's bytes: large enough to be few, small enough that no step holds a file in memory. */
    static final int PART_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database database;

    public SharedChunks(Database database) {
        this.database = database;
    }

    /** One entry of the change log. kind: put, file or store (see the V20 migration). */
    public record Change(long seq, String kind, String storeId, String fileId) {}

    /** The chunks of one file in one store as the index takes them; entries empty: the file is not in the store (any more). */
    public record FileChunks(String filename, Map<String, Object> attributes, String attributesJson, List<ChunkIndex.Entry> entries) {}

    // ---- the change log

    /**
     * Logs a change in the caller's transaction and returns its sequence number. Incrementing the
     * head row locks it until the transaction ends, so writers commit in sequence order and a
     * reader never sees seq N+1 before N.
     */
    static long log(Connection c, String kind, String storeId, String fileId) throws SQLException {
        Sql.update(c, "UPDATE rag_index_head SET seq = seq + 1 WHERE id = 1");
        long seq = Sql.one(c, "SELECT seq FROM rag_index_head WHERE id = 1", rs -> rs.getLong(1));
        Sql.update(c, "INSERT INTO rag_index_changes (seq, kind, vector_store_id, file_id, created_at) VALUES (?, ?, ?, ?, ?)",
                seq, kind, storeId, fileId, System.currentTimeMillis() / 1000);
        return seq;
    }

    /** The last sequence number committed. */
    public long head() {
        return database.call(c -> Sql.one(c, "SELECT seq FROM rag_index_head WHERE id = 1", rs -> rs.getLong(1)));
    }

    /** Up to {@code limit} changes after {@code seq}, in order. */
    public List<Change> changesAfter(long seq, int limit) {
        return database.call(c -> Sql.query(c, "SELECT seq, kind, vector_store_id, file_id FROM rag_index_changes WHERE seq > ?"
                + " ORDER BY seq LIMIT ?", rs -> new Change(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)),
                seq, limit));
    }

    /** Forgets changes logged before {@code before} (epoch seconds); a node further behind rebuilds its index. */
    public int prune(long before) {
        return database.call(c -> Sql.update(c, "DELETE FROM rag_index_changes WHERE created_at < ?"
                + " AND seq < (SELECT seq FROM rag_index_head WHERE id = 1)", before));
    }

    // ---- chunks

    /**
     * Replaces the chunks of one file in one store (none: removes them) and logs the change, in the
     * caller's transaction; returns the change's sequence number.
     */
    static long replaceChunks(Connection c, String storeId, String fileId, List<ChunkIndex.Entry> entries) throws SQLException {
        Sql.update(c, "DELETE FROM rag_chunks WHERE vector_store_id = ? AND file_id = ?", storeId, fileId);
        if (!entries.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO rag_chunks (vector_store_id, file_id, chunk_index, text, page,"
                    + " start_offset, end_offset, tokens, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                int pending = 0;
                for (ChunkIndex.Entry e : entries) {
                    Chunker.Chunk k = e.chunk();
                    ps.setString(1, storeId);
                    ps.setString(2, fileId);
                    ps.setInt(3, k.index());
                    ps.setString(4, k.text());
                    ps.setInt(5, k.page());
                    ps.setInt(6, k.start());
                    ps.setInt(7, k.end());
                    ps.setInt(8, k.tokens());
                    if (e.vector() == null) {
                        ps.setNull(9, Types.BINARY);
                    } else {
                        ps.setBytes(9, bytes(e.vector()));
                    }
                    ps.addBatch();
                    if (++pending == 500) {
                        ps.executeBatch();
                        pending = 0;
                    }
                }
                if (pending > 0) {
                    ps.executeBatch();
                }
            }
        }
        return log(c, "put", storeId, fileId);
    }

    /** The chunks of one file in one store, with the file's name and the attachment's attributes. */
    public FileChunks chunks(String storeId, String fileId) {
        return database.call(c -> {
            String[] meta = Sql.one(c, "SELECT f.filename, a.attributes FROM rag_vector_store_files a JOIN rag_files f ON f.id = a.file_id"
                    + " WHERE a.vector_store_id = ? AND a.file_id = ? AND a.status = 'completed'",
                    rs -> new String[] {rs.getString(1), rs.getString(2)}, storeId, fileId);
            if (meta == null) {
                return new FileChunks(null, Map.of(), "{}", List.of());
            }
            List<ChunkIndex.Entry> entries = Sql.query(c, "SELECT chunk_index, page, start_offset, end_offset, text, tokens, vector"
                    + " FROM rag_chunks WHERE vector_store_id = ? AND file_id = ? ORDER BY chunk_index",
                    rs -> new ChunkIndex.Entry(new Chunker.Chunk(rs.getInt(1), rs.getInt(2), rs.getInt(3), rs.getInt(4), rs.getString(5),
                            rs.getInt(6)), floats(rs.getBytes(7))), storeId, fileId);
            return new FileChunks(meta[0], attributes(meta[1]), meta[1], entries);
        });
    }

    /** Every (store, file) with chunks, for a node that rebuilds its index. */
    public List<String[]> filesWithChunks() {
        return database.call(c -> Sql.query(c, "SELECT DISTINCT vector_store_id, file_id FROM rag_chunks",
                rs -> new String[] {rs.getString(1), rs.getString(2)}));
    }

    /** Whether a file still exists (any owner): a node drops its cached bytes of files that do not. */
    public boolean fileExists(String fileId) {
        return database.call(c -> Sql.one(c, "SELECT 1 FROM rag_files WHERE id = ?", rs -> true, fileId) != null);
    }

    // ---- file bytes

    /**
     * Stores a new file's row and its bytes (from the node's disk, in parts) in one transaction: a
     * failure of either leaves neither, so no part outlives a row that was never written.
     */
    public void saveFile(RagStore.FileRow row, Path from) {
        String fileId = row.id();
        database.call(SqlWork.inTransaction(c -> {
            RagStore.insertFile(c, row);
            Sql.update(c, "DELETE FROM rag_file_parts WHERE file_id = ?", fileId);
            try (InputStream in = Files.newInputStream(from);
                    PreparedStatement ps = c.prepareStatement("INSERT INTO rag_file_parts (file_id, part, content) VALUES (?, ?, ?)")) {
                int part = 0;
                while (true) {
                    byte[] buffer = in.readNBytes(PART_BYTES);
                    if (buffer.length == 0 && part > 0) {
                        break;
                    }
                    ps.setString(1, fileId);
                    ps.setInt(2, part++);
                    ps.setBytes(3, buffer);
                    ps.executeUpdate();
                    if (buffer.length < PART_BYTES) {
                        break;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return null;
        }));
    }

    /**
     * Writes a file's bytes from the database to {@code to} (through a temporary file, so a reader
     * never sees half a file); false when the database has none (the file was deleted).
     */
    public boolean loadBytes(String fileId, Path to) throws IOException {
        Path partial = to.resolveSibling(to.getFileName() + ".part");
        boolean found;
        try {
            found = load(fileId, partial);
        } catch (RuntimeException | IOException e) {
            Files.deleteIfExists(partial); // a half-written copy never stays behind
            throw e;
        }
        if (found) {
            Files.move(partial, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return found;
    }

    private boolean load(String fileId, Path partial) throws IOException {
        return database.call(c -> {
            List<Integer> parts = Sql.query(c, "SELECT part FROM rag_file_parts WHERE file_id = ? ORDER BY part", rs -> rs.getInt(1), fileId);
            if (parts.isEmpty()) {
                return false;
            }
            try (OutputStream out = Files.newOutputStream(partial)) {
                for (int part : parts) { // one part in memory at a time
                    byte[] bytes = Sql.one(c, "SELECT content FROM rag_file_parts WHERE file_id = ? AND part = ?", rs -> rs.getBytes(1),
                            fileId, part);
                    out.write(bytes);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return true;
        });
    }

    // ---- encodings

    static byte[] bytes(float[] vector) {
        ByteBuffer b = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(vector);
        return b.array();
    }

    static float[] floats(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        float[] v = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    /** The attachment's attributes as the index takes them: strings, numbers, booleans. */
    static Map<String, Object> attributes(String json) {
        try {
            Map<String, Object> parsed = JSON.readValue(json == null ? "{}" : json, new TypeReference<LinkedHashMap<String, Object>>() {});
            return parsed == null ? Map.of() : parsed;
        } catch (IOException e) {
            return Map.of();
        }
    }
}
