package dev.gatehouse.budget;

import dev.gatehouse.call.Principal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The budget definitions in memory, indexed by what they attach to, so admission finds the
 * budgets of a call with four map lookups. Replaced wholesale (copy on write) when an admin
 * changes a budget or the periodic refresh reads the database.
 */
public final class Budgets {
    private volatile Map<String, List<Budget>> bySubject = Map.of();
    private volatile Map<String, Budget> byId = Map.of();

    public void replaceAll(Collection<Budget> budgets) {
        Map<String, List<Budget>> subjects = new HashMap<>();
        Map<String, Budget> ids = new HashMap<>();
        for (Budget b : budgets) {
            subjects.computeIfAbsent(index(b.scope(), b.subject()), k -> new ArrayList<>()).add(b);
            ids.put(b.id(), b);
        }
        subjects.replaceAll((k, v) -> List.copyOf(v));
        bySubject = Map.copyOf(subjects);
        byId = Map.copyOf(ids);
    }

    public synchronized void put(Budget budget) {
        Map<String, Budget> ids = new HashMap<>(byId);
        ids.put(budget.id(), budget);
        replaceAll(ids.values());
    }

    public synchronized void remove(String id) {
        Map<String, Budget> ids = new HashMap<>(byId);
        ids.remove(id);
        replaceAll(ids.values());
    }

    public Budget get(String id) {
        return byId.get(id);
    }

    public Collection<Budget> all() {
        return byId.values();
    }

    /** Every budget a call by {@code principal} is charged to: the org's, its team's, user's and key's. */
    public List<Budget> applicable(Principal principal) {
        Map<String, List<Budget>> index = bySubject;
        if (index.isEmpty()) {
            return List.of();
        }
        List<Budget> result = new ArrayList<>(4);
        add(result, index.get(index(Scope.ORG, null)));
        if (principal.teamId() != null) {
            add(result, index.get(index(Scope.TEAM, principal.teamId())));
        }
        if (principal.userId() != null) {
            add(result, index.get(index(Scope.USER, principal.userId())));
        }
        if (principal.keyId() != null) {
            add(result, index.get(index(Scope.KEY, principal.keyId())));
        }
        return result;
    }

    private static void add(List<Budget> into, List<Budget> budgets) {
        if (budgets != null) {
            into.addAll(budgets);
        }
    }

    private static String index(Scope scope, String subject) {
        return scope == Scope.ORG ? "org" : scope.wire() + ":" + subject;
    }
}
