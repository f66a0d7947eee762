package dev.gatehouse.limits;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.web.Access;
import dev.gatehouse.web.AdminBody;
import dev.gatehouse.web.AdminEndpoints;
import dev.gatehouse.web.AdminRequest;
import dev.gatehouse.web.AdminResponse;
import dev.gatehouse.web.AdminRoutes;
import dev.gatehouse.web.AuditSink;
import dev.gatehouse.web.SubjectTeams;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * {@code /admin/v1/rate-limits}: requests per minute, tokens per minute and concurrent requests
 * for a key, user, team or model. Model limits are organisation-wide (owners and admins); team
 * limits belong to that team; key and user limits to the team owning the key or user.
 */
public final class RateLimitsEndpoints implements AdminEndpoints {
    private final RateLimitStore store;
    private final RateLimits limits;
    private final Limiter limiter;
    private final AuditSink audit;
    private final SubjectTeams teams;
    private final LongSupplier clock;

    public RateLimitsEndpoints(RateLimitStore store, RateLimits limits, Limiter limiter, AuditSink audit, SubjectTeams teams, LongSupplier clock) {
        this.store = store;
        this.limits = limits;
        this.limiter = limiter;
        this.audit = audit;
        this.teams = teams;
        this.clock = clock;
    }

    @Override
    public void register(AdminRoutes routes) {
        routes.get("/rate-limits", "List rate limits", Access.TEAM_READ, this::list);
        routes.post("/rate-limits", "Create a rate limit", Access.TEAM_WRITE, this::create);
        routes.get("/rate-limits/:limitId", "Read a rate limit", Access.TEAM_READ, this::read);
        routes.patch("/rate-limits/:limitId", "Change a rate limit", Access.TEAM_WRITE, this::update);
        routes.delete("/rate-limits/:limitId", "Delete a rate limit", Access.TEAM_WRITE, this::delete);
    }

    private Object list(AdminRequest request) {
        return request.teamScopedPage(store::page, l -> view(l, false));
    }

    private Object read(AdminRequest request) {
        return view(visible(request, false), true);
    }

    private Object create(AdminRequest request) {
        JsonNode body = request.body();
        Scope scope;
        try {
            scope = Scope.parse(text(body, "scope"), Scope.RATE_LIMITS);
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalid(e.getMessage(), "scope");
        }
        String subject = text(body, "subject");
        String teamId = scope.owningTeam(subject, teams);
        authorize(request, scope, teamId, true);
        long now = clock.getAsLong();
        RateLimit limit;
        try {
            limit = new RateLimit("rl_" + UUID.randomUUID().toString().replace("-", ""), text(body, "name"), scope, subject,
                    text(body, "model"), teamId, number(body, "rpm"), number(body, "tpm"), integer(body, "concurrent"), now, now);
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalid(e.getMessage(), null);
        }
        store.insert(limit);
        limits.put(limit);
        audit.record(request, "rate_limit.create", "rate_limit", limit.id(), null, view(limit, false));
        return AdminResponse.created(view(limit, false));
    }

    private Object update(AdminRequest request) {
        RateLimit before = visible(request, true);
        JsonNode body = request.body();
        RateLimit after;
        try {
            after = new RateLimit(before.id(), body.has("name") ? text(body, "name") : before.name(), before.scope(), before.subject(),
                    body.has("model") ? text(body, "model") : before.model(), before.teamId(),
                    body.has("rpm") ? number(body, "rpm") : before.rpm(), body.has("tpm") ? number(body, "tpm") : before.tpm(),
                    body.has("concurrent") ? integer(body, "concurrent") : before.concurrent(), before.createdAt(), clock.getAsLong());
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalid(e.getMessage(), null);
        }
        if (!store.update(after)) {
            throw notFound(before.id());
        }
        limits.put(after);
        audit.record(request, "rate_limit.update", "rate_limit", after.id(), view(before, false), view(after, false));
        return view(after, false);
    }

    private Object delete(AdminRequest request) {
        RateLimit before = visible(request, true);
        if (!store.delete(before.id())) {
            throw notFound(before.id());
        }
        limits.remove(before.id());
        audit.record(request, "rate_limit.delete", "rate_limit", before.id(), view(before, false), null);
        return AdminResponse.noContent();
    }

    private RateLimit visible(AdminRequest request, boolean write) {
        return request.teamOwned("limitId", "rate limit", store::find, l -> authorize(request, l.scope(), l.teamId(), write));
    }

    private static void authorize(AdminRequest request, Scope scope, String teamId, boolean write) {
        request.requireTeamOrOrg(teamId, write, scope == Scope.MODEL
                ? "Only owners and admins manage model rate limits."
                : "Only owners and admins manage limits of a " + scope.wire() + " whose team is not known.");
    }

    private Map<String, Object> view(RateLimit l, boolean withUsage) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", l.id());
        v.put("name", l.name());
        v.put("scope", l.scope().wire());
        v.put("subject", l.subject());
        v.put("model", l.model());
        v.put("team_id", l.teamId());
        v.put("rpm", l.rpm());
        v.put("tpm", l.tpm());
        v.put("concurrent", l.concurrent());
        v.put("created_at", l.createdAt());
        v.put("updated_at", l.updatedAt());
        if (withUsage && l.concurrent() != null) {
            v.put("in_flight", limiter.inFlight(l).join());
        }
        return v;
    }

    private static Long number(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.canConvertToExactIntegral() || !n.canConvertToLong()) { // beyond a long, asLong() would wrap
            throw new IllegalArgumentException(field + " must be a whole number");
        }
        long value = n.asLong();
        // The token buckets refill at most one token per nanosecond: a larger per-minute limit
        // cannot be enforced, and is refused here rather than failing every request later.
        if (value > MAX_PER_MINUTE) {
            throw new IllegalArgumentException(field + " must be at most " + MAX_PER_MINUTE + " (one per nanosecond)");
        }
        return value;
    }

    static final long MAX_PER_MINUTE = 60_000_000_000L;

    private static Integer integer(JsonNode body, String field) {
        Long v = number(body, field);
        if (v != null && v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(field + " is too large");
        }
        return v == null ? null : v.intValue();
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static GatewayException notFound(String id) {
        return AdminBody.notFound("rate limit", id);
    }
}
