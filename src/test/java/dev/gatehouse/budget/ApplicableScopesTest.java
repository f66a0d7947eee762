package dev.gatehouse.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.call.Principal;
import dev.gatehouse.limits.RateLimit;
import dev.gatehouse.limits.RateLimits;
import dev.gatehouse.limits.Scope;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which budgets and limits a caller is charged to: its key's, user's, team's, and the org's / model's. */
class ApplicableScopesTest {
    static final Principal KEY = new Principal("k1", "virtual-key", "key-1", "user-1", "team-1", Set.of("member"), null);

    static Budget budget(String id, Scope scope, String subject) {
        return new Budget(id, null, scope, subject, null, Period.MONTH, 100, 0, 0);
    }

    @Test
    void budgetsOfKeyUserTeamAndOrgApply() {
        Budgets budgets = new Budgets();
        budgets.replaceAll(List.of(budget("org", Scope.ORG, null), budget("team", Scope.TEAM, "team-1"),
                budget("other-team", Scope.TEAM, "team-2"), budget("user", Scope.USER, "user-1"),
                budget("key", Scope.KEY, "key-1"), budget("other-key", Scope.KEY, "key-2")));
        assertThat(budgets.applicable(KEY)).extracting(Budget::id).containsExactly("org", "team", "user", "key");
        // The master key has no key, user or team: only organisation budgets apply to it.
        assertThat(budgets.applicable(Principal.MASTER)).extracting(Budget::id).containsExactly("org");
        budgets.remove("org");
        assertThat(budgets.applicable(Principal.MASTER)).isEmpty();
    }

    static RateLimit limit(String id, Scope scope, String subject, String model) {
        return new RateLimit(id, null, scope, subject, model, null, 10L, null, null, 0, 0);
    }

    @Test
    void limitsOfKeyUserTeamAndModelApplyAndModelFiltersNarrow() {
        RateLimits limits = new RateLimits();
        limits.replaceAll(List.of(limit("key", Scope.KEY, "key-1", null),
                limit("key-on-gpt4o", Scope.KEY, "key-1", "gpt-4o"),
                limit("user", Scope.USER, "user-1", null),
                limit("team", Scope.TEAM, "team-1", null),
                limit("team-2", Scope.TEAM, "team-2", null),
                limit("model", Scope.MODEL, "gpt-4o-mini", null)));
        assertThat(limits.applicable(KEY, "gpt-4o-mini")).extracting(RateLimit::id).containsExactly("key", "user", "team", "model");
        assertThat(limits.applicable(KEY, "gpt-4o")).extracting(RateLimit::id).containsExactly("key", "key-on-gpt4o", "user", "team");
        assertThat(limits.applicable(Principal.MASTER, "gpt-4o-mini")).extracting(RateLimit::id).containsExactly("model");
    }
}
