package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.budget.Budget;
import dev.gatehouse.budget.BudgetStore;
import dev.gatehouse.budget.Period;
import dev.gatehouse.budget.SpendWriter;
import dev.gatehouse.limits.RateLimit;
import dev.gatehouse.limits.RateLimitStore;
import dev.gatehouse.limits.Scope;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** Budget and rate-limit repositories (migration V3), the same tests on SQLite and PostgreSQL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class LimitsBudgetsStoreContract {
    Database db;
    BudgetStore budgets;
    RateLimitStore limits;

    abstract Database openDatabase() throws Exception;

    abstract void cleanup() throws Exception;

    @BeforeAll
    void open() throws Exception {
        db = openDatabase();
        budgets = new BudgetStore(db);
        limits = new RateLimitStore(db);
    }

    @AfterAll
    void close() throws Exception {
        try {
            if (db != null) {
                db.close();
            }
        } finally {
            cleanup();
        }
    }

    static String id(String prefix) {
        return prefix + UUID.randomUUID();
    }

    @Test
    void budgetsRoundTripUpdateAndDelete() {
        String team = id("team-");
        Budget team1 = new Budget(id("b1-"), "team monthly", Scope.TEAM, team, team, Period.MONTH, 25_000_000, 1, 2);
        Budget org = new Budget(id("b2-"), null, Scope.ORG, null, null, Period.TOTAL, 1, 3, 4);
        budgets.insert(team1);
        budgets.insert(org);
        assertThat(budgets.find(team1.id())).contains(team1);
        assertThat(budgets.find(org.id())).contains(org);
        assertThat(budgets.page(team, null, 10).items()).containsExactly(team1);
        assertThat(budgets.all()).contains(team1, org);

        Budget changed = new Budget(team1.id(), "renamed", Scope.TEAM, team, team, Period.WEEK, 7, 1, 9);
        assertThat(budgets.update(changed)).isTrue();
        assertThat(budgets.find(team1.id())).contains(changed);
        assertThat(budgets.delete(team1.id())).isTrue();
        assertThat(budgets.find(team1.id())).isEmpty();
        assertThat(budgets.delete(team1.id())).isFalse();
    }

    @Test
    void budgetPagesFollowTheCursor() {
        String team = id("team-");
        for (int i = 0; i < 5; i++) {
            budgets.insert(new Budget(team + "-" + i, null, Scope.TEAM, team, team, Period.DAY, 1, 0, 0));
        }
        List<Budget> first = budgets.page(team, null, 2).items();
        List<Budget> second = budgets.page(team, first.getLast().id(), 2).items();
        List<Budget> third = budgets.page(team, second.getLast().id(), 2).items();
        assertThat(first).extracting(Budget::id).containsExactly(team + "-0", team + "-1");
        assertThat(second).extracting(Budget::id).containsExactly(team + "-2", team + "-3");
        assertThat(third).extracting(Budget::id).containsExactly(team + "-4");
    }

    @Test
    void spendIsUpsertedAndNeverGoesBackwards() {
        String budget = id("b-");
        budgets.saveSpend(List.of(new BudgetStore.Spend(budget, 100, 5_000, 0)));
        budgets.saveSpend(List.of(new BudgetStore.Spend(budget, 100, 9_000, 80)));
        assertThat(budgets.spend(budget, 100)).contains(new BudgetStore.Spend(budget, 100, 9_000, 80));
        // A late write of an older value (another node) does not win.
        budgets.saveSpend(List.of(new BudgetStore.Spend(budget, 100, 7_000, 80)));
        assertThat(budgets.spend(budget, 100).orElseThrow().spent()).isEqualTo(9_000);
        assertThat(budgets.spend(budget, 200)).isEmpty();
    }

    @Test
    void spendWriterPersistsInBatches() {
        String team = id("team-");
        Budget b = new Budget(id("b-"), null, Scope.TEAM, team, team, Period.TOTAL, 1_000, 0, 0);
        try (SpendWriter writer = new SpendWriter(budgets, 60_000)) {
            writer.spendChanged(b, 0, 10, 0);
            writer.spendChanged(b, 0, 30, 0);
            writer.spendChanged(b, 0, 20, 0); // an out-of-order older value is ignored
            assertThat(writer.flush()).isEqualTo(1);
            assertThat(writer.flush()).isZero();
            writer.spendChanged(b, 0, 40, 80);
        } // close writes the last batch
        assertThat(budgets.spend(b.id(), 0)).contains(new BudgetStore.Spend(b.id(), 0, 40, 80));
    }

    @Test
    void rateLimitsRoundTripWithNullableLimits() {
        String team = id("team-");
        RateLimit l = new RateLimit(id("rl-"), "keys", Scope.KEY, id("key-"), "gpt-4o", team, 60L, null, 4, 1, 2);
        RateLimit m = new RateLimit(id("rl-"), null, Scope.MODEL, "gpt-4o", null, null, null, 100_000L, null, 1, 2);
        limits.insert(l);
        limits.insert(m);
        assertThat(limits.find(l.id())).contains(l);
        assertThat(limits.find(m.id())).contains(m);
        assertThat(limits.page(team, null, 10).items()).containsExactly(l);
        RateLimit changed = new RateLimit(l.id(), "keys", Scope.KEY, l.subject(), null, team, null, 500L, null, 1, 3);
        assertThat(limits.update(changed)).isTrue();
        assertThat(limits.find(l.id())).contains(changed);
        assertThat(limits.delete(l.id())).isTrue();
        assertThat(limits.find(l.id())).isEmpty();
    }
}
