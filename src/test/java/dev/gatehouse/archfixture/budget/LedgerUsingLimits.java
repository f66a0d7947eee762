package dev.gatehouse.archfixture.budget;

import dev.gatehouse.archfixture.limits.LimiterUsingBudget;

/** With LimiterUsingBudget, breaks "no cycle between top-level packages" (peers of one layer). */
public final class LedgerUsingLimits {
    public static void charge() {
        LimiterUsingBudget.correct();
    }
}
