package dev.gatehouse.limits;

import dev.gatehouse.web.SubjectTeams;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a rate limit or a budget is attached to. Budgets attach to the org (every call, the master
 * key's included), a team, a user or a key; rate limits to a key, a user, a team or a public model.
 * One type for both, so the scope a caller's principal maps to is spelled the same everywhere.
 */
public enum Scope {
    ORG, TEAM, USER, KEY, MODEL;

    /** The scopes a budget may have, in the order the API lists them. */
    public static final List<Scope> BUDGETS = List.of(ORG, TEAM, USER, KEY);
    /** The scopes a rate limit may have, in the order the API lists them. */
    public static final List<Scope> RATE_LIMITS = List.of(KEY, USER, TEAM, MODEL);

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The scope {@code text} names, if it is one of {@code allowed}; else an error listing them. */
    public static Scope parse(String text, List<Scope> allowed) {
        if (text != null) {
            String wire = text.trim().toLowerCase(Locale.ROOT);
            for (Scope s : allowed) {
                if (s.wire().equals(wire)) {
                    return s;
                }
            }
        }
        throw new IllegalArgumentException("scope must be one of "
                + allowed.stream().map(Scope::wire).collect(Collectors.joining(", ")) + "; got '" + text + "'");
    }

    /**
     * The team that owns what is attached to {@code subject} in this scope, for tenant scoping of
     * the admin API: the team itself, a user's or key's team, or null (org, model, unknown).
     */
    public String owningTeam(String subject, SubjectTeams teams) {
        return switch (this) {
            case ORG, MODEL -> null;
            case TEAM -> subject;
            case USER, KEY -> subject == null ? null : teams.teamOf(wire(), subject);
        };
    }

    /** The key under which a registry indexes what is attached to {@code subject} in this scope. */
    String index(String subject) {
        return this == ORG ? "org" : wire() + ":" + subject;
    }
}
