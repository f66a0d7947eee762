package dev.gatehouse.archfixture.limits;

/** With LedgerUsingLimits, breaks "no cycle between top-level packages". */
public final class LimiterUsingBudget {
    public static void correct() {}

    public static void refund() {
        dev.gatehouse.archfixture.budget.LedgerUsingLimits.charge();
    }
}
