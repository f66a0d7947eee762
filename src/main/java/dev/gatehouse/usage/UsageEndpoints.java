package dev.gatehouse.usage;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.web.Access;
import dev.gatehouse.web.AdminBody;
import dev.gatehouse.web.AdminEndpoints;
import dev.gatehouse.web.AdminRequest;
import dev.gatehouse.web.AdminResponse;
import dev.gatehouse.web.AdminRoutes;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * {@code /admin/v1/usage/...}: the analytics API. Owners, admins and auditors see everything;
 * a team-admin sees only their team's usage, a member only their own (by user, else by key):
 * the scope is forced into the filters, so no parameter can widen it.
 */
public final class UsageEndpoints implements AdminEndpoints {
    private static final List<String> DIMENSIONS = List.of("key", "team", "user", "model", "provider");
    private final RequestLogStore store;
    private final UsageQuery query;
    private final LongSupplier clock;

    public UsageEndpoints(RequestLogStore store, LongSupplier clock) {
        this.store = store;
        this.query = new UsageQuery(store.database());
        this.clock = clock;
    }

    @Override
    public void register(AdminRoutes routes) {
        routes.get("/usage/summary", "Read usage: spend, requests, tokens and errors by group and time bucket", Access.SELF,
                this::summary);
        routes.get("/usage/latency", "Read latency percentiles and time to first token by group and time bucket", Access.SELF,
                this::latency);
        routes.get("/usage/requests", "List request log records", Access.SELF, this::requests);
        routes.get("/usage/requests/:requestId", "Read one request log record with its attempts", Access.SELF, this::request);
        routes.get("/usage/requests/:requestId/body", "Read one request's stored request and response bodies (teams with"
                + " request-log.bodies enabled only)", Access.SELF, this::body);
    }

    private Object summary(AdminRequest request) {
        UsageQuery.Query q = parse(request);
        List<UsageQuery.Row> rows = query.summary(q);
        if (csv(request)) {
            StringBuilder out = new StringBuilder("bucket,group,requests,errors,error_rate,input_tokens,output_tokens,"
                    + "cached_tokens,reasoning_tokens,cost_micros,avg_latency_ms\n");
            for (UsageQuery.Row r : rows) {
                out.append(bucket(q, r.bucket())).append(',').append(Csv.field(r.group())).append(',').append(r.requests())
                        .append(',').append(r.errors()).append(',').append(String.format(Locale.ROOT, "%.4f", r.errorRate()))
                        .append(',').append(r.inputTokens()).append(',').append(r.outputTokens()).append(',')
                        .append(r.cachedTokens()).append(',').append(r.reasoningTokens()).append(',').append(r.costMicros())
                        .append(',').append(r.avgLatencyMs()).append('\n');
            }
            return AdminResponse.raw("text/csv; charset=utf-8", out.toString().getBytes(StandardCharsets.UTF_8));
        }
        Map<String, Object> body = envelope(q);
        body.put("rows", rows.stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bucket", bucket(q, r.bucket()));
            m.put("group", r.group());
            m.put("requests", r.requests());
            m.put("errors", r.errors());
            m.put("error_rate", r.errorRate());
            m.put("input_tokens", r.inputTokens());
            m.put("output_tokens", r.outputTokens());
            m.put("cached_tokens", r.cachedTokens());
            m.put("reasoning_tokens", r.reasoningTokens());
            m.put("total_tokens", r.totalTokens());
            m.put("cost_micros", r.costMicros());
            m.put("avg_latency_ms", r.avgLatencyMs());
            return m;
        }).toList());
        return body;
    }

    private Object latency(AdminRequest request) {
        UsageQuery.Query q = parse(request);
        List<UsageQuery.LatencyRow> rows = query.latency(q);
        if (csv(request)) {
            StringBuilder out = new StringBuilder("bucket,group,requests,errors,p50_ms,p90_ms,p95_ms,p99_ms,avg_ttft_ms\n");
            for (UsageQuery.LatencyRow r : rows) {
                out.append(bucket(q, r.bucket())).append(',').append(Csv.field(r.group())).append(',').append(r.requests())
                        .append(',').append(r.errors()).append(',').append(r.p50()).append(',').append(r.p90()).append(',')
                        .append(r.p95()).append(',').append(r.p99()).append(',').append(r.avgTtftMs()).append('\n');
            }
            return AdminResponse.raw("text/csv; charset=utf-8", out.toString().getBytes(StandardCharsets.UTF_8));
        }
        Map<String, Object> body = envelope(q);
        body.put("rows", rows.stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bucket", bucket(q, r.bucket()));
            m.put("group", r.group());
            m.put("requests", r.requests());
            m.put("errors", r.errors());
            m.put("error_rate", r.requests() == 0 ? 0.0 : (double) r.errors() / r.requests());
            m.put("p50_ms", r.p50());
            m.put("p90_ms", r.p90());
            m.put("p95_ms", r.p95());
            m.put("p99_ms", r.p99());
            m.put("avg_ttft_ms", r.avgTtftMs());
            return m;
        }).toList());
        return body;
    }

    private Object requests(AdminRequest request) {
        Map<String, String> filters = filters(request);
        long[] range = range(request);
        RequestLogStore.Cursor before = cursor(request.cursor());
        int limit = request.limit();
        List<RequestRecord> rows = store.list(filters, narrowing(request), range[0], range[1], before, limit);
        if (csv(request)) {
            StringBuilder out = new StringBuilder("request_id,ts,endpoint,key_id,user_id,team_id,requested_model,model,provider,"
                    + "status,error_class,input_tokens,output_tokens,cached_tokens,reasoning_tokens,usage_estimated,cost_micros,"
                    + "latency_ms,ttft_ms,stream,attempts,fallback_path\n");
            for (RequestRecord r : rows) {
                out.append(Csv.field(r.requestId())).append(',').append(r.ts()).append(',').append(r.endpoint()).append(',')
                        .append(Csv.field(r.keyId())).append(',').append(Csv.field(r.userId())).append(',')
                        .append(Csv.field(r.teamId())).append(',').append(Csv.field(r.requestedModel())).append(',')
                        .append(Csv.field(r.model())).append(',').append(Csv.field(r.provider())).append(',')
                        .append(r.status()).append(',').append(Csv.field(r.errorClass())).append(',').append(r.inputTokens())
                        .append(',').append(r.outputTokens()).append(',').append(r.cachedTokens()).append(',')
                        .append(r.reasoningTokens()).append(',').append(r.usageEstimated()).append(',').append(r.costMicros())
                        .append(',').append(r.latencyMs()).append(',').append(r.ttftMs() == null ? "" : r.ttftMs()).append(',')
                        .append(r.stream()).append(',').append(r.attempts().size()).append(',')
                        .append(Csv.field(r.fallbackPath())).append('\n');
            }
            return AdminResponse.raw("text/csv; charset=utf-8", out.toString().getBytes(StandardCharsets.UTF_8));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", rows);
        RequestRecord last = rows.isEmpty() ? null : rows.get(rows.size() - 1);
        body.put("next_cursor", rows.size() == limit ? last.ts() + ":" + last.requestId() : null);
        return body;
    }

    /** {@code status} (ok, error or an HTTP status) and {@code tag} (name=value) of a request listing. */
    private static RequestLogStore.Narrowing narrowing(AdminRequest request) {
        String status = request.query("status");
        if (status != null && status.isBlank()) {
            status = null;
        }
        if (status != null && !status.equals("ok") && !status.equals("error")
                && !(status.length() == 3 && status.chars().allMatch(Character::isDigit))) {
            throw GatewayException.invalid("status must be ok, error or an HTTP status like 429.", "status");
        }
        String tag = request.query("tag");
        if (tag == null || tag.isBlank()) {
            return new RequestLogStore.Narrowing(status, null, null);
        }
        int eq = tag.indexOf('=');
        if (eq <= 0) {
            throw GatewayException.invalid("tag must look like name=value.", "tag");
        }
        return new RequestLogStore.Narrowing(status, tag.substring(0, eq), tag.substring(eq + 1));
    }

    private Object request(AdminRequest request) {
        RequestRecord r = store.find(request.path("requestId"));
        if (r == null || !visible(request.principal(), request, r)) {
            throw new GatewayException(ErrorType.NOT_FOUND, "No such request: " + request.path("requestId"), null, "not_found");
        }
        return r;
    }

    private Object body(AdminRequest request) {
        String id = request.path("requestId");
        RequestRecord r = store.find(id);
        RequestRecord.Bodies bodies = r == null || !visible(request.principal(), request, r) ? null : store.findBodies(id);
        if (bodies == null) {
            throw new GatewayException(ErrorType.NOT_FOUND, "No stored body for request: " + id, null, "not_found");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("request_id", id);
        out.put("request_body", bodies.request());
        out.put("response_body", bodies.response());
        out.put("truncated", bodies.truncated());
        return out;
    }

    private static boolean visible(Principal p, AdminRequest request, RequestRecord r) {
        if (request.isOrgWide() || p.hasRole("auditor")) {
            return true;
        }
        if (p.hasRole("team-admin")) {
            return p.teamId() != null && p.teamId().equals(r.teamId());
        }
        return p.userId() != null ? p.userId().equals(r.userId()) : p.keyId() != null && p.keyId().equals(r.keyId());
    }

    private UsageQuery.Query parse(AdminRequest request) {
        long[] range = range(request);
        String groupBy = request.query("group_by");
        if (groupBy != null && groupBy.isBlank()) {
            groupBy = null;
        }
        if (groupBy != null && !groupBy.startsWith("tag:")) {
            UsageQuery.column(groupBy);
        }
        if (groupBy != null && groupBy.equals("tag:")) {
            throw GatewayException.invalid("group_by=tag:<name> needs a tag name.", "group_by");
        }
        String bucket = request.query("bucket") == null ? "none" : request.query("bucket");
        if (!List.of("hour", "day", "none").contains(bucket)) {
            throw GatewayException.invalid("bucket must be hour, day or none.", "bucket");
        }
        String orderBy = request.query("order_by") == null ? "cost" : request.query("order_by");
        if (!List.of("cost", "requests", "tokens", "errors").contains(orderBy)) {
            throw GatewayException.invalid("order_by must be cost, requests, tokens or errors.", "order_by");
        }
        long top = request.query("top") == null ? 0 : parseLong(request.query("top"), "top");
        if (top < 0 || top > 1000) {
            throw GatewayException.invalid("top must be between 1 and 1000.", "top");
        }
        return new UsageQuery.Query(range[0], range[1], groupBy, bucket, filters(request), request.query("tag"), (int) top, orderBy);
    }

    /** The caller's filters, with their role's scope forced in. */
    private static Map<String, String> filters(AdminRequest request) {
        Map<String, String> filters = new LinkedHashMap<>();
        for (String dimension : DIMENSIONS) {
            String value = request.query(dimension);
            if (value != null && !value.isBlank()) {
                filters.put(dimension, value);
            }
        }
        Principal p = request.principal();
        if (request.isOrgWide() || p.hasRole("auditor")) {
            return filters;
        }
        if (p.hasRole("team-admin")) {
            if (filters.containsKey("team")) {
                request.requireTeam(filters.get("team"), false);
            }
            if (p.teamId() == null) {
                throw new GatewayException(ErrorType.PERMISSION, "Your key belongs to no team.", null, "forbidden");
            }
            filters.put("team", p.teamId());
            return filters;
        }
        if (p.userId() != null) {
            filters.put("user", p.userId());
        } else if (p.keyId() != null) {
            filters.put("key", p.keyId());
        } else {
            throw new GatewayException(ErrorType.PERMISSION, "Usage is scoped to a user or key, and you have neither.", null,
                    "forbidden");
        }
        return filters;
    }

    /** {@code from} and {@code to}: epoch millis or ISO-8601 instants; default the last 24 hours. */
    private long[] range(AdminRequest request) {
        long to = request.query("to") == null ? clock.getAsLong() + 1 : time(request.query("to"), "to");
        long from = request.query("from") == null ? to - UsageQuery.DAY : time(request.query("from"), "from");
        if (from >= to) {
            throw GatewayException.invalid("from must be before to.", "from");
        }
        return new long[] {from, to};
    }

    /**
     * Epoch millis or an ISO-8601 instant, within the years 0000 to 9999: a year like +1000000000
     * parses as an Instant but overflows epoch milliseconds, and a huge millisecond count cannot be
     * shown back as a time, so both are the caller's mistake (400), never an arithmetic failure.
     */
    private static long time(String value, String param) {
        Instant at;
        if (!value.isEmpty() && value.chars().allMatch(Character::isDigit)) {
            long millis = parseLong(value, param);
            at = millis <= AdminBody.LATEST.toEpochMilli() ? Instant.ofEpochMilli(millis) : null;
        } else {
            try {
                at = Instant.parse(value);
            } catch (DateTimeParseException e) {
                throw GatewayException.invalid(param + " must be epoch milliseconds or an ISO-8601 instant like 2026-01-31T00:00:00Z.",
                        param);
            }
        }
        if (at == null || !AdminBody.representable(at)) {
            throw GatewayException.invalid(param + " must be a time between the years 0000 and 9999.", param);
        }
        return at.toEpochMilli();
    }

    private static long parseLong(String value, String param) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw GatewayException.invalid(param + " must be a whole number.", param);
        }
    }

    /** {@code <ts>:<request id>} as returned in {@code next_cursor}. */
    private static RequestLogStore.Cursor cursor(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        int colon = value.indexOf(':');
        if (colon <= 0) {
            throw GatewayException.invalid("cursor must be a next_cursor value from a previous page.", "cursor");
        }
        return new RequestLogStore.Cursor(parseLong(value.substring(0, colon), "cursor"), value.substring(colon + 1));
    }

    private static boolean csv(AdminRequest request) {
        return "csv".equals(request.query("format"));
    }

    private static Map<String, Object> envelope(UsageQuery.Query q) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("from", Instant.ofEpochMilli(q.from()).toString());
        body.put("to", Instant.ofEpochMilli(q.to()).toString());
        body.put("group_by", q.groupBy());
        body.put("bucket", q.bucket());
        body.put("filters", q.filters());
        return body;
    }

    private static Object bucket(UsageQuery.Query q, long bucket) {
        return q.bucket().equals("none") ? "" : Instant.ofEpochMilli(bucket).toString();
    }

    /** RFC 4180 fields; a leading = + - @ is prefixed with ' so spreadsheets do not run it as a formula. */
    static final class Csv {
        static String field(String value) {
            if (value == null) {
                return "";
            }
            String v = !value.isEmpty() && "=+-@".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
            if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
                return "\"" + v.replace("\"", "\"\"") + "\"";
            }
            return v;
        }
    }
}
