package dev.gatehouse.budget;

import dev.gatehouse.limits.Scope;

/**
 * A spending limit in micro-USD over a period.
 *
 * @param subject the team, user or key id the budget is attached to; null for ORG
 * @param teamId the team that owns the budget (for tenant scoping of the admin API); null for ORG
 *     and for user/key budgets created by org admins without a known team
 */
public record Budget(String id, String name, Scope scope, String subject, String teamId, Period period, long limitMicros,
        long createdAt, long updatedAt) {

    public Budget {
        if (!Scope.BUDGETS.contains(scope)) {
            throw new IllegalArgumentException("a budget cannot have scope " + scope);
        }
        if (limitMicros < 0) {
            throw new IllegalArgumentException("limit must not be negative");
        }
        if ((scope == Scope.ORG) != (subject == null)) {
            throw new IllegalArgumentException(scope == Scope.ORG ? "an org budget has no subject" : "a " + scope.wire() + " budget needs a subject");
        }
    }
}
