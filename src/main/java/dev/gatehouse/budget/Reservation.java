package dev.gatehouse.budget;

import java.util.List;

/**
 * Money held back for one call on every budget that applies to it, until the call settles.
 *
 * @param periodStarts the period (start millis) each budget was reserved in, same order as budgets
 */
public record Reservation(List<Budget> budgets, List<Long> periodStarts, long amount) {
    public static final Reservation NONE = new Reservation(List.of(), List.of(), 0);

    public Reservation {
        budgets = List.copyOf(budgets);
        periodStarts = List.copyOf(periodStarts);
    }
}
