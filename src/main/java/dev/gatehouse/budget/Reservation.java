package dev.gatehouse.budget;

import java.util.List;

/**
 * Money held back for one call on every budget that applies to it, until the call settles.
 *
 * @param periodStarts the period (start millis) each budget was reserved in, same order as budgets
 * @param lease the reservation's lease in a shared ledger (it expires if the call never settles,
 *     say because its node was killed), or null in memory
 */
public record Reservation(List<Budget> budgets, List<Long> periodStarts, long amount, String lease) {
    public static final Reservation NONE = new Reservation(List.of(), List.of(), 0);

    public Reservation(List<Budget> budgets, List<Long> periodStarts, long amount) {
        this(budgets, periodStarts, amount, null);
    }

    public Reservation {
        budgets = List.copyOf(budgets);
        periodStarts = List.copyOf(periodStarts);
    }
}
