package dev.gatehouse.budget;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.config.Micros;
import dev.gatehouse.limits.Scope;
import dev.gatehouse.web.Access;
import dev.gatehouse.web.AdminBody;
import dev.gatehouse.web.AdminEndpoints;
import dev.gatehouse.web.AdminRequest;
import dev.gatehouse.web.AdminResponse;
import dev.gatehouse.web.AdminRoutes;
import dev.gatehouse.web.AuditSink;
import dev.gatehouse.web.SubjectTeams;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * {@code /admin/v1/budgets}: create, list, read (with the current period's spend), change and
 * delete budgets. Org budgets need an owner or admin; team budgets the team's team-admin; key
 * and user budgets a team-admin of the team owning the key or user (see {@link SubjectTeams}).
 * Money is accepted as {@code limit_usd} (a decimal string or number, at most 6 decimals) or
 * {@code limit_micros}; it is returned in both forms.
 */
public final class BudgetsEndpoints implements AdminEndpoints {
    private final BudgetStore store;
    private final Budgets budgets;
    private final BudgetLedger ledger;
    private final AuditSink audit;
    private final SubjectTeams teams;
    private final LongSupplier clock;

    public BudgetsEndpoints(BudgetStore store, Budgets budgets, BudgetLedger ledger, AuditSink audit, SubjectTeams teams, LongSupplier clock) {
        this.store = store;
        this.budgets = budgets;
        this.ledger = ledger;
        this.audit = audit;
        this.teams = teams;
        this.clock = clock;
    }

    @Override
    public void register(AdminRoutes routes) {
        routes.get("/budgets", "List budgets", Access.TEAM_READ, this::list);
        routes.post("/budgets", "Create a budget", Access.TEAM_WRITE, this::create);
        routes.get("/budgets/:budgetId", "Read a budget and its current spend", Access.TEAM_READ, this::read);
        routes.patch("/budgets/:budgetId", "Change a budget", Access.TEAM_WRITE, this::update);
        routes.delete("/budgets/:budgetId", "Delete a budget", Access.TEAM_WRITE, this::delete);
    }

    private Object list(AdminRequest request) {
        return request.teamScopedPage(store::page, b -> view(b, true));
    }

    private Object read(AdminRequest request) {
        Budget b = visible(request, false);
        return view(b, true);
    }

    private Object create(AdminRequest request) {
        JsonNode body = request.body();
        Scope scope;
        Period period;
        try {
            scope = Scope.parse(text(body, "scope"), Scope.BUDGETS);
            period = Period.parse(body.hasNonNull("period") ? text(body, "period") : "month");
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalid(e.getMessage(), body.hasNonNull("scope") ? "period" : "scope");
        }
        String subject = scope == Scope.ORG ? null : text(body, "subject");
        if (scope != Scope.ORG && (subject == null || subject.isBlank())) {
            throw GatewayException.invalid("A " + scope.wire() + " budget needs 'subject': the " + scope.wire() + " id.", "subject");
        }
        String teamId = scope.owningTeam(subject, teams);
        authorize(request, scope, teamId);
        long now = clock.getAsLong();
        Budget budget;
        try {
            budget = new Budget("bud_" + UUID.randomUUID().toString().replace("-", ""), text(body, "name"), scope, subject, teamId,
                    period, money(body, true), now, now);
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalid(e.getMessage(), null);
        }
        store.insert(budget);
        budgets.put(budget);
        audit.record(request, "budget.create", "budget", budget.id(), null, view(budget, false));
        return AdminResponse.created(view(budget, true));
    }

    private Object update(AdminRequest request) {
        Budget before = visible(request, true);
        JsonNode body = request.body();
        Period period = before.period();
        if (body.hasNonNull("period")) {
            try {
                period = Period.parse(text(body, "period"));
            } catch (IllegalArgumentException e) {
                throw GatewayException.invalid(e.getMessage(), "period");
            }
        }
        Long limit = body.has("limit_usd") || body.has("limit_micros") ? money(body, true) : null;
        String name = body.has("name") ? text(body, "name") : before.name();
        Budget after = new Budget(before.id(), name, before.scope(), before.subject(), before.teamId(), period,
                limit == null ? before.limitMicros() : limit, before.createdAt(), clock.getAsLong());
        if (!store.update(after)) {
            throw notFound(before.id());
        }
        budgets.put(after);
        audit.record(request, "budget.update", "budget", after.id(), view(before, false), view(after, false));
        return view(after, true);
    }

    private Object delete(AdminRequest request) {
        Budget before = visible(request, true);
        if (!store.delete(before.id())) {
            throw notFound(before.id());
        }
        budgets.remove(before.id());
        ledger.forget(before);
        audit.record(request, "budget.delete", "budget", before.id(), view(before, false), null);
        return AdminResponse.noContent();
    }

    /** The budget named in the path, if the caller may see it (write: change it); else 404. */
    private Budget visible(AdminRequest request, boolean write) {
        return request.teamOwned("budgetId", "budget", store::find, b -> authorize(request, b.scope(), b.teamId(), write));
    }

    private void authorize(AdminRequest request, Scope scope, String teamId) {
        authorize(request, scope, teamId, true);
    }

    private static void authorize(AdminRequest request, Scope scope, String teamId, boolean write) {
        request.requireTeamOrOrg(teamId, write, scope == Scope.ORG
                ? "Only owners and admins manage organisation budgets."
                : "Only owners and admins manage budgets of a " + scope.wire() + " whose team is not known.");
    }

    private Map<String, Object> view(Budget b, boolean withBalance) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", b.id());
        v.put("name", b.name());
        v.put("scope", b.scope().wire());
        v.put("subject", b.subject());
        v.put("team_id", b.teamId());
        v.put("period", b.period().wire());
        v.put("currency", "USD");
        v.put("limit_micros", b.limitMicros());
        v.put("limit_usd", Micros.format(b.limitMicros()));
        v.put("created_at", b.createdAt());
        v.put("updated_at", b.updatedAt());
        if (withBalance) {
            Balance balance = ledger.balance(b).toCompletableFuture().join(); // admin handlers run on virtual threads
            Map<String, Object> current = new LinkedHashMap<>();
            current.put("period_start", Instant.ofEpochMilli(balance.periodStart()).toString());
            current.put("resets_at", balance.periodEnd() == Long.MAX_VALUE ? null : Instant.ofEpochMilli(balance.periodEnd()).toString());
            current.put("spent_micros", balance.spent());
            current.put("reserved_micros", balance.reserved());
            current.put("remaining_micros", balance.remaining());
            current.put("spent_usd", Micros.format(balance.spent()));
            current.put("remaining_usd", Micros.format(balance.remaining()));
            v.put("current", current);
        }
        return v;
    }

    private static long money(JsonNode body, boolean required) {
        try {
            if (body.hasNonNull("limit_micros")) {
                JsonNode n = body.get("limit_micros");
                if (!n.canConvertToExactIntegral() || !n.canConvertToLong() || n.asLong() < 0) { // beyond a long, asLong() wraps
                    throw new IllegalArgumentException("limit_micros must be a non-negative whole number");
                }
                return n.asLong();
            }
            if (body.hasNonNull("limit_usd")) {
                JsonNode n = body.get("limit_usd");
                return n.isNumber() ? Micros.of(new BigDecimal(n.asText())) : Micros.parse(n.asText());
            }
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalid("limit: " + e.getMessage(), "limit_usd");
        }
        if (required) {
            throw GatewayException.invalid("Give the limit as 'limit_usd' (e.g. \"25.00\") or 'limit_micros'.", "limit_usd");
        }
        return 0;
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static GatewayException notFound(String id) {
        return AdminBody.notFound("budget", id);
    }
}
