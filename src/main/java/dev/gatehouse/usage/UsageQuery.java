package dev.gatehouse.usage;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.Dialect;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Analytics over the request log. Spend, requests, tokens and error rates come from the hourly
 * rollups (a few rows per hour and dimension combination, whatever the traffic); latency
 * percentiles need the raw rows and scan {@code request_log} by its time index.
 */
public final class UsageQuery {
    static final long DAY = 86_400_000L;
    private static final Map<String, String> COLUMNS = Map.of(
            "key", "key_id", "team", "team_id", "user", "user_id", "model", "model", "provider", "provider");

    /**
     * @param groupBy null (totals), a dimension (key, team, user, model, provider) or {@code tag:<name>}
     * @param bucket "hour", "day" or "none"
     * @param filters exact values per dimension (key, team, user, model, provider)
     * @param tagFilter {@code name=value}, or null
     * @param top keep only the N groups with the highest {@code orderBy} over the range; 0 = all
     * @param orderBy cost, requests, tokens or errors
     */
    public record Query(long from, long to, String groupBy, String bucket, Map<String, String> filters, String tagFilter,
            int top, String orderBy) {}

    /** One bucket × group of a summary. */
    public record Row(long bucket, String group, long requests, long errors, long inputTokens, long outputTokens,
            long cachedTokens, long reasoningTokens, long costMicros, long latencyMsSum) {
        public double errorRate() {
            return requests == 0 ? 0 : (double) errors / requests;
        }

        public long avgLatencyMs() {
            return requests == 0 ? 0 : latencyMsSum / requests;
        }

        public long totalTokens() {
            return inputTokens + outputTokens;
        }
    }

    /** Latency percentiles of one bucket × group, from the raw rows. */
    public record LatencyRow(long bucket, String group, long requests, long errors, long p50, long p90, long p95, long p99,
            long avgTtftMs) {}

    private final Database database;

    public UsageQuery(Database database) {
        this.database = database;
    }

    static String column(String dimension) {
        String column = COLUMNS.get(dimension);
        if (column == null) {
            throw GatewayException.invalid("Unknown dimension '" + dimension + "': use one of key, team, user, model, provider"
                    + " or tag:<name>.", "group_by");
        }
        return column;
    }

    private static String bucketExpression(String bucket, String column) {
        return switch (bucket) {
            case "hour" -> "(" + column + " - (" + column + " % " + RequestLogStore.HOUR + "))";
            case "day" -> "(" + column + " - (" + column + " % " + DAY + "))";
            case "none" -> "0";
            default -> throw GatewayException.invalid("bucket must be hour, day or none.", "bucket");
        };
    }

    private static String tagName(String groupBy) {
        return groupBy != null && groupBy.startsWith("tag:") ? groupBy.substring(4) : null;
    }

    public List<Row> summary(Query q) {
        String groupTag = tagName(q.groupBy());
        String[] tagFilter = splitTag(q.tagFilter());
        if (groupTag != null && tagFilter != null && !tagFilter[0].equals(groupTag)) {
            throw GatewayException.invalid("Filtering by one tag while grouping by another is not supported.", "tag");
        }
        boolean tagged = groupTag != null || tagFilter != null;
        String table = tagged ? "usage_hourly_tags" : "usage_hourly";
        String group = groupTag != null ? "tag_value" : q.groupBy() == null ? "''" : column(q.groupBy());
        long fromHour = q.from() - Math.floorMod(q.from(), RequestLogStore.HOUR);
        // Whole UTC days inside the range come from the daily rollup when the answer needs no hours.
        long firstDay = fromHour + Math.floorMod(-fromHour, DAY);
        long endDay = q.to() - Math.floorMod(q.to(), DAY);
        if (!tagged && !q.bucket().equals("hour") && firstDay < endDay) {
            return top(withDays(q, group, fromHour, firstDay, endDay), q.top(), q.orderBy(), Row::group, r -> metric(r, q.orderBy()));
        }
        StringBuilder sql = new StringBuilder("SELECT ").append(bucketExpression(q.bucket(), "hour")).append(" AS b, ")
                .append(group).append(" AS g, ").append(SUMS).append(" FROM ")
                .append(table).append(" WHERE hour >= ? AND hour < ?");
        List<Object> args = new ArrayList<>(List.of(fromHour, q.to()));
        if (groupTag != null) {
            sql.append(" AND tag_key = ?");
            args.add(groupTag);
        }
        if (tagFilter != null) {
            sql.append(" AND tag_key = ? AND tag_value = ?");
            args.add(tagFilter[0]);
            args.add(tagFilter[1]);
        }
        appendFilters(sql, args, q.filters());
        sql.append(" GROUP BY 1, 2 ORDER BY 1, 2");
        List<Row> rows = rows(sql.toString(), args);
        return top(rows, q.top(), q.orderBy(), Row::group, r -> metric(r, q.orderBy()));
    }

    private static final String SUMS = "SUM(requests), SUM(errors), SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens),"
            + " SUM(reasoning_tokens), SUM(cost_micros), SUM(latency_ms_sum)";

    /**
     * A day-bucketed or unbucketed summary from the daily rollup for the whole days
     * [{@code firstDay}, {@code endDay}) and the hourly one for the hours before and after them.
     */
    private List<Row> withDays(Query q, String group, long fromHour, long firstDay, long endDay) {
        String sums = "SUM(requests) AS r, SUM(errors) AS e, SUM(input_tokens) AS i, SUM(output_tokens) AS o,"
                + " SUM(cached_tokens) AS c, SUM(reasoning_tokens) AS rt, SUM(cost_micros) AS m, SUM(latency_ms_sum) AS l";
        List<Object> args = new ArrayList<>(List.of(fromHour, firstDay, endDay, q.to()));
        StringBuilder hourly = new StringBuilder("SELECT ").append(bucketExpression(q.bucket(), "hour")).append(" AS b, ")
                .append(group).append(" AS g, ").append(sums)
                .append(" FROM usage_hourly WHERE ((hour >= ? AND hour < ?) OR (hour >= ? AND hour < ?))");
        appendFilters(hourly, args, q.filters());
        args.add(firstDay);
        args.add(endDay);
        StringBuilder daily = new StringBuilder("SELECT ").append(bucketExpression(q.bucket(), "day")).append(" AS b, ")
                .append(group).append(" AS g, ").append(sums).append(" FROM usage_daily WHERE day >= ? AND day < ?");
        appendFilters(daily, args, q.filters());
        String sql = "SELECT b, g, SUM(r), SUM(e), SUM(i), SUM(o), SUM(c), SUM(rt), SUM(m), SUM(l) FROM (" + hourly
                + " GROUP BY 1, 2 UNION ALL " + daily + " GROUP BY 1, 2) x GROUP BY b, g ORDER BY b, g";
        return rows(sql, args);
    }

    private List<Row> rows(String sql, List<Object> args) {
        return database.call(c -> {
            List<Row> out = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement(sql)) {
                bind(st, args);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Row(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                                rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getLong(10)));
                    }
                }
            }
            return out;
        });
    }

    /** Latency percentiles (nearest rank) and time to first token from the raw rows. */
    public List<LatencyRow> latency(Query q) {
        String groupTag = tagName(q.groupBy());
        String[] tagFilter = splitTag(q.tagFilter());
        StringBuilder from = new StringBuilder(" FROM request_log l");
        List<Object> args = new ArrayList<>();
        String group;
        if (groupTag != null) {
            from.append(" JOIN request_tags t ON t.request_id = l.request_id AND t.tag_key = ?");
            args.add(groupTag);
            group = "t.tag_value";
        } else {
            group = q.groupBy() == null ? "''" : "l." + column(q.groupBy());
        }
        if (tagFilter != null) {
            from.append(" JOIN request_tags f ON f.request_id = l.request_id AND f.tag_key = ? AND f.tag_value = ?");
            args.add(tagFilter[0]);
            args.add(tagFilter[1]);
        }
        from.append(" WHERE l.ts >= ? AND l.ts < ?");
        args.add(q.from());
        args.add(q.to());
        StringBuilder where = new StringBuilder();
        for (Map.Entry<String, String> f : q.filters().entrySet()) {
            where.append(" AND l.").append(column(f.getKey())).append(" = ?");
            args.add(f.getValue());
        }
        String bucket = bucketExpression(q.bucket(), "l.ts");
        List<LatencyRow> rows = database.dialect() == Dialect.POSTGRESQL
                ? postgresLatency(bucket, group, from + where.toString(), args)
                : computedLatency(bucket, group, from + where.toString(), args);
        return top(rows, q.top(), "requests", LatencyRow::group, LatencyRow::requests);
    }

    private List<LatencyRow> postgresLatency(String bucket, String group, String fromWhere, List<Object> args) {
        String sql = "SELECT " + bucket + " AS b, " + group + " AS g, COUNT(*), SUM(CASE WHEN l.status >= 400 THEN 1 ELSE 0 END),"
                + " percentile_disc(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY l.latency_ms),"
                + " COALESCE(AVG(l.ttft_ms), 0)" + fromWhere + " GROUP BY 1, 2 ORDER BY 1, 2";
        return database.call(c -> {
            List<LatencyRow> out = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement(sql)) {
                bind(st, args);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        Array array = rs.getArray(5);
                        Object[] p = (Object[]) array.getArray();
                        out.add(new LatencyRow(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4),
                                ((Number) p[0]).longValue(), ((Number) p[1]).longValue(), ((Number) p[2]).longValue(),
                                ((Number) p[3]).longValue(), Math.round(rs.getDouble(6))));
                    }
                }
            }
            return out;
        });
    }

    /** SQLite has no percentile aggregate: stream the latencies, sorted by the database, and pick ranks. */
    private List<LatencyRow> computedLatency(String bucket, String group, String fromWhere, List<Object> args) {
        String sql = "SELECT " + bucket + " AS b, " + group + " AS g, l.latency_ms, l.status, l.ttft_ms" + fromWhere
                + " ORDER BY 1, 2, 3";
        return database.call(c -> {
            List<LatencyRow> out = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement(sql)) {
                bind(st, args);
                st.setFetchSize(10_000);
                try (ResultSet rs = st.executeQuery()) {
                    Long currentBucket = null;
                    String currentGroup = null;
                    List<Long> latencies = new ArrayList<>();
                    long errors = 0, ttftSum = 0, ttftCount = 0;
                    while (rs.next()) {
                        long b = rs.getLong(1);
                        String g = rs.getString(2);
                        if (currentBucket != null && (b != currentBucket || !g.equals(currentGroup))) {
                            out.add(latencyRow(currentBucket, currentGroup, latencies, errors, ttftSum, ttftCount));
                            latencies = new ArrayList<>();
                            errors = ttftSum = ttftCount = 0;
                        }
                        currentBucket = b;
                        currentGroup = g;
                        latencies.add(rs.getLong(3));
                        errors += rs.getInt(4) >= 400 ? 1 : 0;
                        long ttft = rs.getLong(5);
                        if (!rs.wasNull()) {
                            ttftSum += ttft;
                            ttftCount++;
                        }
                    }
                    if (currentBucket != null) {
                        out.add(latencyRow(currentBucket, currentGroup, latencies, errors, ttftSum, ttftCount));
                    }
                }
            }
            return out;
        });
    }

    private static LatencyRow latencyRow(long bucket, String group, List<Long> sorted, long errors, long ttftSum, long ttftCount) {
        return new LatencyRow(bucket, group, sorted.size(), errors, rank(sorted, 0.5), rank(sorted, 0.9), rank(sorted, 0.95),
                rank(sorted, 0.99), ttftCount == 0 ? 0 : Math.round((double) ttftSum / ttftCount));
    }

    /** Nearest-rank percentile, the same definition as PostgreSQL's percentile_disc. */
    static long rank(List<Long> sorted, double p) {
        int index = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static void appendFilters(StringBuilder sql, List<Object> args, Map<String, String> filters) {
        for (Map.Entry<String, String> f : filters.entrySet()) {
            sql.append(" AND ").append(column(f.getKey())).append(" = ?");
            args.add(f.getValue());
        }
    }

    private static void bind(PreparedStatement st, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            st.setObject(i + 1, args.get(i));
        }
    }

    private static String[] splitTag(String tagFilter) {
        if (tagFilter == null || tagFilter.isBlank()) {
            return null;
        }
        int eq = tagFilter.indexOf('=');
        if (eq <= 0) {
            throw GatewayException.invalid("tag filter must look like name=value.", "tag");
        }
        return new String[] {tagFilter.substring(0, eq), tagFilter.substring(eq + 1)};
    }

    static long metric(Row r, String orderBy) {
        return switch (orderBy == null ? "cost" : orderBy) {
            case "cost" -> r.costMicros();
            case "requests" -> r.requests();
            case "tokens" -> r.totalTokens();
            case "errors" -> r.errors();
            default -> throw GatewayException.invalid("order_by must be cost, requests, tokens or errors.", "order_by");
        };
    }

    /** Keeps the rows of the N groups with the highest total of {@code metric} over all buckets. */
    private static <R> List<R> top(List<R> rows, int n, String orderBy, Function<R, String> group,
            ToLongFunction<R> metric) {
        if (n <= 0) {
            return rows;
        }
        Map<String, Long> totals = new HashMap<>();
        for (R r : rows) {
            totals.merge(group.apply(r), metric.applyAsLong(r), Long::sum);
        }
        Set<String> keep = new LinkedHashSet<>();
        totals.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .limit(n).forEach(e -> keep.add(e.getKey()));
        List<R> kept = new ArrayList<>();
        for (R r : rows) {
            if (keep.contains(group.apply(r))) {
                kept.add(r);
            }
        }
        // Within a bucket, biggest first: the order a "top N" reader expects.
        Map<String, Integer> rankOf = new LinkedHashMap<>();
        int i = 0;
        for (String g : keep) {
            rankOf.put(g, i++);
        }
        return kept.stream().sorted(Comparator.comparingInt(r -> rankOf.get(group.apply(r)))).sorted(
                Comparator.comparingLong(r -> bucketOf(r))).toList();
    }

    private static long bucketOf(Object r) {
        return r instanceof Row row ? row.bucket() : ((LatencyRow) r).bucket();
    }
}
