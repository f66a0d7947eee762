package dev.gatehouse.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.config.RequestLogConfig;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.Fence;
import dev.gatehouse.store.SqlWork;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The request log tables (V5, V7, V19): raw rows with their attempts inline, tags, the hourly
 * rollups and the ids of the batches written. One {@link #insertBatches} writes batches of records
 * and their rollup increments in one transaction, so the rollups always agree with what was
 * written; a batch whose id is stored, and a raw row whose request id is stored, are skipped
 * (spool replay is idempotent). Which calls keep a raw row is {@code request-log.raw-rows}.
 */
public final class RequestLogStore {
    static final long HOUR = 3_600_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String INSERT_LOG = "INSERT INTO request_log (request_id, ts, endpoint, key_id, user_id, team_id,"
            + " requested_model, model, provider, route, fallback_path, attempt_count, status, error_class, input_tokens,"
            + " output_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, usage_estimated, cost_micros, latency_ms,"
            + " ttft_ms, stream, client_address, user_agent, tags, attempts, cache, cache_saved_tokens, cache_saved_micros,"
            + " guardrails)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (request_id) DO NOTHING";
    private static final String INSERT_TAG = "INSERT INTO request_tags (request_id, ts, tag_key, tag_value)"
            + " VALUES (?, ?, ?, ?) ON CONFLICT (request_id, tag_key) DO NOTHING";
    private static final String INSERT_BODIES = "INSERT INTO request_bodies (request_id, request_body, response_body, truncated)"
            + " VALUES (?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING";
    private static final String SUMS = "requests, errors, input_tokens, output_tokens, cached_tokens, reasoning_tokens,"
            + " cost_micros, latency_ms_sum";
    private static final String ADD_SUMS = " DO UPDATE SET requests = %1$s.requests + excluded.requests,"
            + " errors = %1$s.errors + excluded.errors, input_tokens = %1$s.input_tokens + excluded.input_tokens,"
            + " output_tokens = %1$s.output_tokens + excluded.output_tokens,"
            + " cached_tokens = %1$s.cached_tokens + excluded.cached_tokens,"
            + " reasoning_tokens = %1$s.reasoning_tokens + excluded.reasoning_tokens,"
            + " cost_micros = %1$s.cost_micros + excluded.cost_micros,"
            + " latency_ms_sum = %1$s.latency_ms_sum + excluded.latency_ms_sum";
    private static final String UPSERT_HOURLY = "INSERT INTO usage_hourly (hour, team_id, key_id, user_id, model, provider, "
            + SUMS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (hour, team_id, key_id, user_id, model, provider)" + ADD_SUMS.formatted("usage_hourly");
    private static final String UPSERT_DAILY = "INSERT INTO usage_daily (day, team_id, key_id, user_id, model, provider, "
            + SUMS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (day, team_id, key_id, user_id, model, provider)" + ADD_SUMS.formatted("usage_daily");
    private static final String UPSERT_HOURLY_TAGS = "INSERT INTO usage_hourly_tags (hour, tag_key, tag_value, team_id, key_id,"
            + " user_id, model, provider, " + SUMS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (hour, tag_key, tag_value, team_id, key_id, user_id, model, provider)"
            + ADD_SUMS.formatted("usage_hourly_tags");

    private static final String INSERT_BATCH = "INSERT INTO request_log_batches (batch_id, ts) VALUES (?, ?)"
            + " ON CONFLICT (batch_id) DO NOTHING";

    private final Database database;
    private final RawRowChoice rawRows;

    public RequestLogStore(Database database) {
        this(database, RequestLogConfig.RawRows.ALL);
    }

    public RequestLogStore(Database database, RequestLogConfig.RawRows rawRows) {
        this.database = database;
        this.rawRows = new RawRowChoice(rawRows);
    }

    public Database database() {
        return database;
    }

    /** Writes {@code records} as one batch (see {@link #insertBatches}); returns how many were new. */
    public int insert(List<RequestRecord> records) {
        return records.isEmpty() ? 0 : insertBatches(List.of(RequestBatch.of(records)));
    }

    /**
     * Writes the batches not yet stored, in one transaction: each batch's id, the raw rows of the
     * calls that keep one (skipping request ids already stored) and the rollup increments of every
     * new call, so the rollups always agree with what was written and a replayed batch adds
     * nothing. Returns how many calls were new.
     */
    public int insertBatches(List<RequestBatch> batches) {
        if (batches.isEmpty()) {
            return 0;
        }
        try {
            // The raw rows' ON CONFLICT DO NOTHING tells which were new (update count 1 or 0), so
            // no lookup of the batch's ids is needed first; that lookup was an eighth of the writer.
            return database.call(SqlWork.inTransaction(c -> write(c, batches, false)));
        } catch (CountsUnknown e) { // a driver that does not report per-row counts: look first
            return database.call(SqlWork.inTransaction(c -> write(c, batches, true)));
        }
    }

    /** The driver did not say which rows of the batch were inserted; the transaction is rolled back. */
    private static final class CountsUnknown extends RuntimeException {
        CountsUnknown() {
            super("batch update counts not reported", null, false, false);
        }
    }

    /** @param lookFirst the driver does not report per-row counts: drop stored request ids by a lookup first */
    private int write(Connection c, List<RequestBatch> batches, boolean lookFirst) throws SQLException {
        List<RequestRecord> records = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(INSERT_BATCH)) {
            for (RequestBatch b : batches) {
                st.setString(1, b.id());
                st.setLong(2, b.ts());
                if (st.executeUpdate() > 0) { // 0: this batch was written before (a replay)
                    records.addAll(b.records());
                }
            }
        }
        if (records.isEmpty()) {
            return 0;
        }
        List<RequestRecord> kept = new ArrayList<>(records.size());
        List<RequestRecord> counted = new ArrayList<>(records.size());
        for (RequestRecord r : uniqueById(records).values()) {
            (rawRows.keep(r) ? kept : counted).add(r);
        }
        List<RequestRecord> fresh = writeRows(c, lookFirst ? withoutStored(c, kept) : kept, lookFirst);
        counted.addAll(fresh);
        if (!counted.isEmpty()) {
            upsertRollups(c, counted);
        }
        return counted.size();
    }

    /** Raw rows, their tags and bodies; returns the records whose row was new. */
    private static List<RequestRecord> writeRows(Connection c, List<RequestRecord> records, boolean checked)
            throws SQLException {
        if (records.isEmpty()) {
            return records;
        }
        List<RequestRecord> fresh;
        try (PreparedStatement log = c.prepareStatement(INSERT_LOG)) {
            for (RequestRecord r : records) {
                bindLog(log, r);
                log.addBatch();
            }
            int[] counts = log.executeBatch();
            if (checked) {
                fresh = records;
            } else {
                fresh = new ArrayList<>(records.size());
                for (int i = 0; i < records.size(); i++) {
                    if (i >= counts.length || counts[i] < 0) {
                        throw new CountsUnknown();
                    }
                    if (counts[i] > 0) {
                        fresh.add(records.get(i));
                    }
                }
            }
        }
        if (fresh.isEmpty()) {
            return fresh;
        }
        try (PreparedStatement tag = c.prepareStatement(INSERT_TAG);
                PreparedStatement bodies = c.prepareStatement(INSERT_BODIES)) {
            boolean anyTags = false;
            boolean anyBodies = false;
            for (RequestRecord r : fresh) {
                if (r.bodies() != null) {
                    anyBodies = true;
                    bodies.setString(1, r.requestId());
                    bodies.setString(2, r.bodies().request());
                    bodies.setString(3, r.bodies().response());
                    bodies.setInt(4, r.bodies().truncated() ? 1 : 0);
                    bodies.addBatch();
                }
                for (Map.Entry<String, String> t : r.tags().entrySet()) {
                    anyTags = true;
                    tag.setString(1, r.requestId());
                    tag.setLong(2, r.ts());
                    tag.setString(3, t.getKey());
                    tag.setString(4, t.getValue());
                    tag.addBatch();
                }
            }
            if (anyTags) {
                tag.executeBatch();
            }
            if (anyBodies) {
                bodies.executeBatch();
            }
        }
        return fresh;
    }

    /** The first record of each request id, in order (a batch may hold two copies after a spool replay). */
    private static Map<String, RequestRecord> uniqueById(List<RequestRecord> records) {
        Map<String, RequestRecord> byId = new LinkedHashMap<>();
        for (RequestRecord r : records) {
            byId.putIfAbsent(r.requestId(), r);
        }
        return byId;
    }

    /** Drops records whose request id is already in the log (replay after a partial failure, two spool copies). */
    private static List<RequestRecord> withoutStored(Connection c, List<RequestRecord> records) throws SQLException {
        if (records.isEmpty()) {
            return records;
        }
        Map<String, RequestRecord> byId = uniqueById(records);
        Set<String> stored = new HashSet<>();
        List<String> ids = new ArrayList<>(byId.keySet());
        for (int from = 0; from < ids.size(); from += 500) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
            String sql = "SELECT request_id FROM request_log WHERE request_id IN (" + "?,".repeat(chunk.size() - 1) + "?)";
            try (PreparedStatement st = c.prepareStatement(sql)) {
                for (int i = 0; i < chunk.size(); i++) {
                    st.setString(i + 1, chunk.get(i));
                }
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        stored.add(rs.getString(1));
                    }
                }
            }
        }
        stored.forEach(byId::remove);
        return new ArrayList<>(byId.values());
    }

    private static void bindLog(PreparedStatement st, RequestRecord r) throws SQLException {
        int i = 1;
        st.setString(i++, r.requestId());
        st.setLong(i++, r.ts());
        st.setString(i++, r.endpoint());
        st.setString(i++, r.keyId());
        st.setString(i++, r.userId());
        st.setString(i++, r.teamId());
        st.setString(i++, r.requestedModel());
        st.setString(i++, r.model());
        st.setString(i++, r.provider());
        st.setString(i++, r.route());
        st.setString(i++, r.fallbackPath());
        st.setInt(i++, r.attempts().size());
        st.setInt(i++, r.status());
        st.setString(i++, r.errorClass());
        st.setLong(i++, r.inputTokens());
        st.setLong(i++, r.outputTokens());
        st.setLong(i++, r.cachedTokens());
        st.setLong(i++, r.cacheWriteTokens());
        st.setLong(i++, r.reasoningTokens());
        st.setInt(i++, r.usageEstimated() ? 1 : 0);
        st.setLong(i++, r.costMicros());
        st.setLong(i++, r.latencyMs());
        if (r.ttftMs() == null) {
            st.setNull(i++, Types.BIGINT);
        } else {
            st.setLong(i++, r.ttftMs());
        }
        st.setInt(i++, r.stream() ? 1 : 0);
        st.setString(i++, r.clientAddress());
        st.setString(i++, r.userAgent());
        st.setString(i++, r.tags().isEmpty() ? null : toJson(r.tags()));
        st.setString(i++, AttemptsJson.write(r.attempts()));
        st.setString(i++, r.cache());
        st.setLong(i++, r.cacheSavedTokens());
        st.setLong(i++, r.cacheSavedMicros());
        st.setString(i, r.guardrails());
    }

    private record RollupKey(long period, String tagKey, String tagValue, String team, String key, String user, String model,
            String provider) {}

    private static final class Sums {
        long requests, errors, input, output, cached, reasoning, cost, latency;

        void add(RequestRecord r) {
            requests++;
            errors += r.failed() ? 1 : 0;
            input += r.inputTokens();
            output += r.outputTokens();
            cached += r.cachedTokens();
            reasoning += r.reasoningTokens();
            cost += r.costMicros();
            latency += r.latencyMs();
        }
    }

    /** Aggregates the batch in memory first: one upsert per (hour or day, dimensions), not one per record. */
    private static void upsertRollups(Connection c, List<RequestRecord> records) throws SQLException {
        Map<RollupKey, Sums> plain = new HashMap<>();
        Map<RollupKey, Sums> daily = new HashMap<>();
        Map<RollupKey, Sums> tagged = new HashMap<>();
        for (RequestRecord r : records) {
            long hour = r.ts() - Math.floorMod(r.ts(), HOUR);
            long day = r.ts() - Math.floorMod(r.ts(), UsageQuery.DAY);
            plain.computeIfAbsent(new RollupKey(hour, null, null, r.teamId(), r.keyId(), r.userId(), r.model(), r.provider()),
                    k -> new Sums()).add(r);
            daily.computeIfAbsent(new RollupKey(day, null, null, r.teamId(), r.keyId(), r.userId(), r.model(), r.provider()),
                    k -> new Sums()).add(r);
            for (Map.Entry<String, String> t : r.tags().entrySet()) {
                tagged.computeIfAbsent(new RollupKey(hour, t.getKey(), t.getValue(), r.teamId(), r.keyId(), r.userId(),
                        r.model(), r.provider()), k -> new Sums()).add(r);
            }
        }
        upsertPlain(c, UPSERT_HOURLY, plain);
        upsertPlain(c, UPSERT_DAILY, daily);
        if (tagged.isEmpty()) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement(UPSERT_HOURLY_TAGS)) {
            for (Map.Entry<RollupKey, Sums> e : tagged.entrySet()) {
                RollupKey k = e.getKey();
                int i = 1;
                st.setLong(i++, k.period());
                st.setString(i++, k.tagKey());
                st.setString(i++, k.tagValue());
                st.setString(i++, k.team());
                st.setString(i++, k.key());
                st.setString(i++, k.user());
                st.setString(i++, k.model());
                st.setString(i++, k.provider());
                bindSums(st, i, e.getValue());
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /** One rollup without tags (hourly or daily: the same columns, the period first). */
    private static void upsertPlain(Connection c, String sql, Map<RollupKey, Sums> rows) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (Map.Entry<RollupKey, Sums> e : rows.entrySet()) {
                RollupKey k = e.getKey();
                int i = 1;
                st.setLong(i++, k.period());
                st.setString(i++, k.team());
                st.setString(i++, k.key());
                st.setString(i++, k.user());
                st.setString(i++, k.model());
                st.setString(i++, k.provider());
                bindSums(st, i, e.getValue());
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    private static void bindSums(PreparedStatement st, int i, Sums s) throws SQLException {
        st.setLong(i++, s.requests);
        st.setLong(i++, s.errors);
        st.setLong(i++, s.input);
        st.setLong(i++, s.output);
        st.setLong(i++, s.cached);
        st.setLong(i++, s.reasoning);
        st.setLong(i++, s.cost);
        st.setLong(i, s.latency);
    }

    /** Where a page of {@link #list} ended: its last row's time and request id. */
    public record Cursor(long ts, String requestId) {}

    /** The stored bodies of one request, or null when none were stored (team not enabled, ZDR, expired). */
    public RequestRecord.Bodies findBodies(String requestId) {
        return database.call(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT request_body, response_body, truncated FROM request_bodies WHERE request_id = ?")) {
                st.setString(1, requestId);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? new RequestRecord.Bodies(rs.getString(1), rs.getString(2), rs.getInt(3) != 0) : null;
                }
            }
        });
    }

    /** One stored request with its attempts, or null. */
    public RequestRecord find(String requestId) {
        return database.call(c -> {
            List<RequestRecord> found = select(c, "SELECT * FROM request_log WHERE request_id = ?", List.of(requestId), 1);
            return found.isEmpty() ? null : found.get(0);
        });
    }

    /**
     * Raw rows, newest first, filtered by exact dimension values ({@code team_id}, {@code key_id},
     * {@code user_id}, {@code model}, {@code provider}, {@code requested_model}) and a time range.
     */
    public List<RequestRecord> list(Map<String, String> filters, long from, long to, Cursor before, int limit) {
        return list(filters, Narrowing.NONE, from, to, before, limit);
    }

    /**
     * What a listing can narrow by besides the dimensions.
     *
     * @param status "ok" (below 400), "error" (400 and above), an HTTP status, or null for any
     * @param tagKey with {@code tagValue}: only requests carrying that caller tag; null for any
     */
    public record Narrowing(String status, String tagKey, String tagValue) {
        public static final Narrowing NONE = new Narrowing(null, null, null);
    }

    /** As {@link #list(Map, long, long, Cursor, int)}, also narrowed by status and a caller tag. */
    public List<RequestRecord> list(Map<String, String> filters, Narrowing narrowing, long from, long to, Cursor before, int limit) {
        List<Object> args = new ArrayList<>();
        StringBuilder sql;
        String order; // the table whose (ts, request_id) the page walks, newest first
        if (narrowing.tagKey() != null) {
            // Walk the tag's index (tag_key, tag_value, ts) newest first and fetch each row by its key:
            // the tag row carries the request's ts, so the page stops after 'limit' rows instead of
            // collecting every tagged request of the range first.
            sql = new StringBuilder("SELECT l.* FROM request_tags t JOIN request_log l ON l.request_id = t.request_id"
                    + " WHERE t.tag_key = ? AND t.tag_value = ? AND t.ts >= ? AND t.ts < ?");
            args.addAll(List.of(narrowing.tagKey(), narrowing.tagValue(), from, to));
            order = "t";
        } else {
            sql = new StringBuilder("SELECT l.* FROM request_log l WHERE l.ts >= ? AND l.ts < ?");
            args.addAll(List.of(from, to));
            order = "l";
        }
        if ("ok".equals(narrowing.status())) {
            sql.append(" AND l.status < 400");
        } else if ("error".equals(narrowing.status())) {
            sql.append(" AND l.status >= 400");
        } else if (narrowing.status() != null) {
            sql.append(" AND l.status = ?");
            args.add(Integer.parseInt(narrowing.status()));
        }
        if (before != null) { // strictly after the previous page's last row in (ts desc, request_id desc) order
            sql.append(" AND (%1$s.ts < ? OR (%1$s.ts = ? AND %1$s.request_id < ?))".formatted(order));
            args.add(before.ts());
            args.add(before.ts());
            args.add(before.requestId());
        }
        for (Map.Entry<String, String> f : filters.entrySet()) {
            sql.append(" AND l.").append(UsageQuery.column(f.getKey())).append(" = ?");
            args.add(f.getValue());
        }
        sql.append(" ORDER BY %1$s.ts DESC, %1$s.request_id DESC LIMIT ".formatted(order)).append(limit);
        return database.call(c -> select(c, sql.toString(), args, limit));
    }

    private static List<RequestRecord> select(Connection c, String sql, List<?> args, int limit) throws SQLException {
        List<RequestRecord> rows = new ArrayList<>();
        List<Integer> legacy = new ArrayList<>(); // rows written before V7 keep their attempts in request_attempts
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                st.setObject(i + 1, args.get(i));
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String attempts = rs.getString("attempts");
                    if (attempts == null) {
                        legacy.add(rows.size());
                    }
                    rows.add(read(rs, attempts == null ? List.of() : AttemptsJson.read(attempts)));
                }
            }
        }
        if (legacy.isEmpty()) {
            return rows;
        }
        try (PreparedStatement st = c.prepareStatement(
                "SELECT provider, model, status, error_class, duration_ms FROM request_attempts WHERE request_id = ? ORDER BY seq")) {
            for (int index : legacy) {
                RequestRecord r = rows.get(index);
                st.setString(1, r.requestId());
                List<RequestRecord.Attempt> attempts = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        attempts.add(new RequestRecord.Attempt(rs.getString(1), rs.getString(2), rs.getInt(3),
                                rs.getString(4), rs.getLong(5)));
                    }
                }
                rows.set(index, r.withAttempts(attempts));
            }
        }
        return rows;
    }

    private static RequestRecord read(ResultSet rs, List<RequestRecord.Attempt> attempts) throws SQLException {
        long ttft = rs.getLong("ttft_ms");
        Long ttftMs = rs.wasNull() ? null : ttft;
        String tags = rs.getString("tags");
        return new RequestRecord(rs.getString("request_id"), rs.getLong("ts"), rs.getString("endpoint"),
                rs.getString("key_id"), rs.getString("user_id"), rs.getString("team_id"), rs.getString("requested_model"),
                rs.getString("model"), rs.getString("provider"), rs.getString("route"), rs.getString("fallback_path"),
                rs.getInt("status"), rs.getString("error_class"), rs.getLong("input_tokens"), rs.getLong("output_tokens"),
                rs.getLong("cached_tokens"), rs.getLong("cache_write_tokens"), rs.getLong("reasoning_tokens"),
                rs.getInt("usage_estimated") != 0, rs.getLong("cost_micros"), rs.getLong("latency_ms"), ttftMs,
                rs.getInt("stream") != 0, rs.getString("client_address"), rs.getString("user_agent"),
                tags == null ? Map.of() : fromJson(tags), attempts, null, rs.getString("cache"),
                rs.getLong("cache_saved_tokens"), rs.getLong("cache_saved_micros"), rs.getString("guardrails"));
    }

    /**
     * Deletes raw rows (and their attempts and tags) older than {@code before}, at most
     * {@code batch} requests per transaction, so writers wait for one short transaction at a time
     * rather than for one long delete. Rollups are kept. Returns how many requests were deleted.
     */
    public long deleteBefore(long before, int batch, int maxBatches) {
        return deleteBefore(before, batch, maxBatches, Fence.NONE);
    }

    /** As {@link #deleteBefore(long, int, int)}, each batch refused once {@code fence} says another node leads. */
    public long deleteBefore(long before, int batch, int maxBatches, Fence fence) {
        long total = 0;
        for (int n = 0; n < maxBatches; n++) {
            int deleted = database.call(SqlWork.inTransaction(c -> {
                fence.check(c);
                List<String> ids = new ArrayList<>();
                try (PreparedStatement st = c.prepareStatement(
                        "SELECT request_id FROM request_log WHERE ts < ? ORDER BY ts LIMIT " + batch)) {
                    st.setLong(1, before);
                    try (ResultSet rs = st.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getString(1));
                        }
                    }
                }
                if (ids.isEmpty()) {
                    return 0;
                }
                String in = "(" + "?,".repeat(ids.size() - 1) + "?)";
                for (String table : new String[] {"request_attempts", "request_tags", "request_bodies", "request_log"}) {
                    try (PreparedStatement st = c.prepareStatement("DELETE FROM " + table + " WHERE request_id IN " + in)) {
                        for (int i = 0; i < ids.size(); i++) {
                            st.setString(i + 1, ids.get(i));
                        }
                        st.executeUpdate();
                    }
                }
                return ids.size();
            }));
            total += deleted;
            if (deleted < batch) {
                break;
            }
        }
        return total;
    }

    /**
     * Forgets the ids of batches written before {@code before}: a spooled batch is replayed within
     * minutes of the database coming back, long before the raw rows' retention ends.
     */
    public long deleteBatchesBefore(long before) {
        return deleteBatchesBefore(before, Fence.NONE);
    }

    /** As {@link #deleteBatchesBefore(long)}, refused once {@code fence} says another node leads. */
    public long deleteBatchesBefore(long before, Fence fence) {
        return database.call(SqlWork.inTransaction(c -> {
            fence.check(c);
            try (PreparedStatement st = c.prepareStatement("DELETE FROM request_log_batches WHERE ts < ?")) {
                st.setLong(1, before);
                return (long) st.executeUpdate();
            }
        }));
    }

    static String toJson(Map<String, String> tags) {
        try {
            return JSON.writeValueAsString(tags);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> fromJson(String json) {
        try {
            return JSON.readValue(json, new TypeReference<LinkedHashMap<String, String>>() {});
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }
}
