package dev.gatehouse.budget;

/** What a ledger reports after a settlement. Implementations must return quickly and never block. */
public interface LedgerEvents {
    /** The spend of a budget's period changed (to persist it). */
    void spendChanged(Budget budget, long periodStart, long spent, int alertedPercent);

    /** Spend reached {@code percent} of the limit for the first time in this period; reported once per period. */
    void thresholdCrossed(Budget budget, int percent, long periodStart, long spent);

    LedgerEvents NONE = new LedgerEvents() {
        @Override
        public void spendChanged(Budget budget, long periodStart, long spent, int alertedPercent) {}

        @Override
        public void thresholdCrossed(Budget budget, int percent, long periodStart, long spent) {}
    };
}
