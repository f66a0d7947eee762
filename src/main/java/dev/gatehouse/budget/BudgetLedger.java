package dev.gatehouse.budget;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Balances of every budget, enforced atomically: a reservation succeeds only if, on every budget
 * given, {@code spent + reserved + amount <= limit} holds at the instant it is taken. Checking and
 * taking are one step (a CAS in memory, a Lua script in Redis), so no number of concurrent calls
 * can together spend past a limit as long as each settles at or below what it reserved.
 */
public interface BudgetLedger extends AutoCloseable {

    /** Result of {@link #reserve}: the reservation, or why it was refused. */
    record Outcome(Reservation reservation, BudgetExceeded refused) {
        public boolean granted() {
            return reservation != null;
        }
    }

    /** Reserves {@code amount} on all {@code budgets} or on none. Never blocks the calling thread. */
    CompletionStage<Outcome> reserve(List<Budget> budgets, long amount);

    /**
     * Ends a reservation: frees what was reserved and charges {@code actual} (0 on failure: a
     * release) to each budget's current period. Fire and forget; never blocks.
     */
    void settle(Reservation reservation, long actual);

    CompletionStage<Balance> balance(Budget budget);

    /** Loads persisted spend at start (ignored when the ledger already holds a value for that period). */
    void seed(Budget budget, long periodStart, long spent, int alertedPercent);

    /** Forgets a deleted budget. */
    void forget(Budget budget);

    @Override
    default void close() {}
}
