package dev.gatehouse.budget;

import dev.gatehouse.call.Principal;
import dev.gatehouse.limits.Scope;
import dev.gatehouse.limits.ScopedRegistry;
import java.util.ArrayList;
import java.util.List;

/** The budget definitions in memory (see {@link ScopedRegistry}): admission finds a call's with four lookups. */
public final class Budgets extends ScopedRegistry<Budget> {
    public Budgets() {
        super(Budget::id, Budget::scope, Budget::subject);
    }

    /** Every budget a call by {@code principal} is charged to: the org's, its team's, user's and key's. */
    public List<Budget> applicable(Principal principal) {
        if (isEmpty()) {
            return List.of();
        }
        List<Budget> result = new ArrayList<>(4);
        result.addAll(attached(Scope.ORG, null));
        result.addAll(attached(Scope.TEAM, principal.teamId()));
        result.addAll(attached(Scope.USER, principal.userId()));
        result.addAll(attached(Scope.KEY, principal.keyId()));
        return result;
    }
}
