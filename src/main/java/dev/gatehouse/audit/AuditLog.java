package dev.gatehouse.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.Principal;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.StorageException;
import dev.gatehouse.web.AdminRequest;
import dev.gatehouse.web.AuditSink;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The tamper-evident admin audit trail: an append-only table in which every entry carries the
 * hash of the previous one ({@link AuditChain}). Also the {@link AuditSink} every admin endpoint
 * reports its changes to. Methods block (JDBC): admin handlers already run on virtual threads.
 *
 * <p>Appends are linear even with several gateway nodes on one PostgreSQL: within a node a lock
 * makes appends one at a time; between nodes {@code seq} is the primary key, so of two nodes
 * that read the same head exactly one insert succeeds and the other retries on the new head.
 */
public final class AuditLog implements AuditSink {
    private static final String COLUMNS = "seq, at, actor_id, actor_kind, client_address, request_id, action,"
            + " target_type, target_id, before_json, after_json, prev_hash, hash";
    private static final int MAX_ATTEMPTS = 100;
    private static final int VERIFY_PAGE = 1000;

    private final Database database;
    private final ReentrantLock appendLock = new ReentrantLock();
    private final ObjectMapper json = JsonMapper.builder()
            .findAndAddModules()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    public AuditLog(Database database) {
        this.database = Objects.requireNonNull(database, "database");
    }

    @Override
    public void record(AdminRequest request, String action, String targetType, String targetId, Object before,
            Object after) {
        Principal p = request.principal();
        append(p == null ? null : p.id(), p == null ? null : p.kind(), request.clientAddress(), request.requestId(),
                action, targetType, targetId, before, after);
    }

    /** Appends one entry (before/after are serialised with secrets masked) and returns it as stored. */
    public AuditEntry append(String actorId, String actorKind, String clientAddress, String requestId, String action,
            String targetType, String targetId, Object before, Object after) {
        Objects.requireNonNull(action, "action");
        String beforeJson = toJson(before);
        String afterJson = toJson(after);
        appendLock.lock();
        try {
            for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
                long at = System.currentTimeMillis();
                AuditEntry entry = database.call(c -> tryAppend(c, at, actorId, actorKind, clientAddress, requestId,
                        action, targetType, targetId, beforeJson, afterJson));
                if (entry != null) {
                    return entry;
                }
                // Another node took this seq: back off a little so the nodes do not keep colliding.
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextInt(1, 5 + attempt));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StorageException("audit append interrupted", e);
                }
            }
            throw new StorageException("audit append: lost the race for the chain head " + MAX_ATTEMPTS + " times");
        } finally {
            appendLock.unlock();
        }
    }

    /** Null when another writer inserted the same seq first. */
    private static AuditEntry tryAppend(Connection c, long at, String actorId, String actorKind, String clientAddress,
            String requestId, String action, String targetType, String targetId, String before, String after)
            throws SQLException {
        long seq = 1;
        String prev = AuditChain.GENESIS;
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
                ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
                seq = rs.getLong(1) + 1;
                prev = rs.getString(2);
            }
        }
        String hash = AuditChain.hash(seq, at, actorId, actorKind, clientAddress, requestId, action, targetType,
                targetId, before, after, prev);
        AuditEntry entry = new AuditEntry(seq, at, actorId, actorKind, clientAddress, requestId, action, targetType,
                targetId, before, after, prev, hash);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_log (" + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, seq);
            ps.setLong(2, at);
            setString(ps, 3, actorId);
            setString(ps, 4, actorKind);
            setString(ps, 5, clientAddress);
            setString(ps, 6, requestId);
            ps.setString(7, action);
            setString(ps, 8, targetType);
            setString(ps, 9, targetId);
            setString(ps, 10, before);
            setString(ps, 11, after);
            ps.setString(12, prev);
            ps.setString(13, hash);
            ps.executeUpdate();
            return entry;
        } catch (SQLException e) {
            if (isUniqueViolation(e)) {
                return null;
            }
            throw e;
        }
    }

    private static boolean isUniqueViolation(SQLException e) {
        // PostgreSQL: SQLSTATE 23505; SQLite: result code 19 (SQLITE_CONSTRAINT) with a PRIMARY KEY/UNIQUE message.
        if ("23505".equals(e.getSQLState())) {
            return true;
        }
        String message = String.valueOf(e.getMessage());
        return e.getErrorCode() == 19 || message.contains("SQLITE_CONSTRAINT_PRIMARYKEY")
                || message.contains("UNIQUE constraint failed");
    }

    private static void setString(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

    /** The JSON text stored (and hashed) for before/after: keys sorted, secrets masked, or null. */
    String toJson(Object value) {
        if (value == null) {
            return null;
        }
        JsonNode tree = Redactor.redact(json.valueToTree(value));
        if (tree == null || tree.isNull()) {
            return null;
        }
        try {
            return json.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("audit: cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** Newest first; entries with seq below {@code beforeSeq} when it is not null. */
    public List<AuditEntry> list(AuditQuery query, int limit, Long beforeSeq) {
        List<Object> args = new ArrayList<>();
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM audit_log WHERE 1 = 1");
        where(sql, args, query);
        if (beforeSeq != null) {
            sql.append(" AND seq < ?");
            args.add(beforeSeq);
        }
        sql.append(" ORDER BY seq DESC LIMIT ?");
        args.add(limit);
        return database.call(c -> {
            List<AuditEntry> out = new ArrayList<>();
            query(c, sql.toString(), args, out::add);
            return out;
        });
    }

    /** Every matching entry, oldest first, page by page (memory stays flat for a long chain). */
    public void export(AuditQuery query, Consumer<AuditEntry> sink) {
        long after = 0;
        while (true) {
            List<Object> args = new ArrayList<>();
            StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM audit_log WHERE seq > ?");
            args.add(after);
            where(sql, args, query);
            sql.append(" ORDER BY seq LIMIT ?");
            args.add(VERIFY_PAGE);
            List<AuditEntry> page = database.call(c -> {
                List<AuditEntry> out = new ArrayList<>();
                query(c, sql.toString(), args, out::add);
                return out;
            });
            page.forEach(sink);
            if (page.size() < VERIFY_PAGE) {
                return;
            }
            after = page.getLast().seq();
        }
    }

    /**
     * Walks the whole chain and checks, entry by entry: seq continues without a gap, the stored
     * hash matches the entry's contents, and prev_hash matches the previous entry's hash.
     * A truncated tail (the newest entries deleted) leaves a valid shorter chain: compare the
     * head hash with one recorded elsewhere (e.g. from an earlier verify or export) to catch it.
     */
    public VerifyResult verify() {
        long[] count = {0};
        long[] expectedSeq = {1};
        String[] prevHash = {AuditChain.GENESIS};
        VerifyResult[] broken = {null};
        try {
            export(AuditQuery.ALL, e -> {
                if (broken[0] != null) {
                    return;
                }
                String why = check(e, expectedSeq[0], prevHash[0]);
                if (why != null) {
                    broken[0] = new VerifyResult(false, count[0], e.seq(), why, null);
                    return;
                }
                count[0]++;
                expectedSeq[0] = e.seq() + 1;
                prevHash[0] = e.hash();
            });
        } catch (StorageException e) {
            throw e;
        }
        if (broken[0] != null) {
            return broken[0];
        }
        return new VerifyResult(true, count[0], null, null, count[0] == 0 ? null : prevHash[0]);
    }

    private static String check(AuditEntry e, long expectedSeq, String expectedPrev) {
        if (e.seq() != expectedSeq) {
            return expectedSeq == 1
                    ? "the chain starts at seq " + e.seq() + ": entries 1.." + (e.seq() - 1) + " are missing"
                    : "entries " + expectedSeq + (e.seq() - 1 > expectedSeq ? ".." + (e.seq() - 1) : "")
                            + " are missing (seq jumps from " + (expectedSeq - 1) + " to " + e.seq() + ")";
        }
        if (!AuditChain.hashOf(e).equals(e.hash())) {
            return "contents changed: the stored hash does not match the entry (action, actor, target, before/after,"
                    + " time or position were altered)";
        }
        if (!expectedPrev.equals(e.prevHash())) {
            return expectedSeq == 1
                    ? "prev_hash of the first entry is not the genesis value"
                    : "prev_hash does not match the hash of entry " + (expectedSeq - 1);
        }
        return null;
    }

    /** The number of entries (for metrics and tests). */
    public long count() {
        return database.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM audit_log");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** An entry as the API and the JSON Lines export show it: before/after embedded as JSON. */
    public ObjectNode toJson(AuditEntry e) {
        ObjectNode node = json.createObjectNode();
        node.put("seq", e.seq());
        node.put("at", e.at());
        node.put("time", Instant.ofEpochMilli(e.at()).toString());
        node.putObject("actor").put("id", e.actorId()).put("kind", e.actorKind());
        node.put("client_address", e.clientAddress());
        node.put("request_id", e.requestId());
        node.put("action", e.action());
        node.putObject("target").put("type", e.targetType()).put("id", e.targetId());
        node.set("before", parse(e.before()));
        node.set("after", parse(e.after()));
        node.put("prev_hash", e.prevHash());
        node.put("hash", e.hash());
        return node;
    }

    /** One line of the JSON Lines export (no newline). */
    public String toJsonLine(AuditEntry e) {
        try {
            return json.writeValueAsString(toJson(e));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private JsonNode parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return json.readTree(text);
        } catch (JsonProcessingException ex) {
            // A row altered into invalid JSON is still shown (verify reports it as broken).
            return json.getNodeFactory().textNode(text);
        }
    }

    private static void where(StringBuilder sql, List<Object> args, AuditQuery q) {
        if (q.action() != null) {
            sql.append(" AND action = ?");
            args.add(q.action());
        }
        if (q.actor() != null) {
            sql.append(" AND actor_id = ?");
            args.add(q.actor());
        }
        if (q.targetType() != null) {
            sql.append(" AND target_type = ?");
            args.add(q.targetType());
        }
        if (q.targetId() != null) {
            sql.append(" AND target_id = ?");
            args.add(q.targetId());
        }
        if (q.since() != null) {
            sql.append(" AND at >= ?");
            args.add(q.since());
        }
        if (q.until() != null) {
            sql.append(" AND at < ?");
            args.add(q.until());
        }
    }

    private static void query(Connection c, String sql, List<Object> args, Consumer<AuditEntry> sink)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                Object arg = args.get(i);
                if (arg instanceof Long l) {
                    ps.setLong(i + 1, l);
                } else if (arg instanceof Integer n) {
                    ps.setInt(i + 1, n);
                } else {
                    ps.setString(i + 1, (String) arg);
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sink.accept(new AuditEntry(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
                            rs.getString(10), rs.getString(11), rs.getString(12), rs.getString(13)));
                }
            }
        }
    }
}
