package dev.gatehouse.budget;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Single-node ledger: one immutable {@link State} per budget behind an {@link AtomicReference},
 * changed only by compare-and-set. The check ({@code spent + reserved + amount <= limit}) and the
 * reservation are the same CAS, so concurrent calls cannot both see room that only one of them
 * fits in. Lock-free: a thread that loses a race recomputes from the new state and retries.
 *
 * <p>Period boundaries: a state from an earlier period is rolled over on first touch — spend and
 * alerts start from zero, reservations still in flight are carried over (they settle into the
 * period in which they end).
 */
public final class MemoryLedger implements BudgetLedger {

    /** @param alerted the highest alert threshold already reported in this period */
    record State(long periodStart, long spent, long reserved, int alerted) {}

    private final ConcurrentHashMap<String, AtomicReference<State>> states = new ConcurrentHashMap<>();
    private final LongSupplier clock;
    private final List<Integer> thresholds;
    private final LedgerEvents events;

    /**
     * @param clock epoch millis (injectable so tests can cross period boundaries)
     * @param thresholds alert percentages, ascending
     */
    public MemoryLedger(LongSupplier clock, List<Integer> thresholds, LedgerEvents events) {
        this.clock = clock;
        this.thresholds = List.copyOf(thresholds);
        this.events = events;
    }

    private AtomicReference<State> ref(Budget budget) {
        return states.computeIfAbsent(budget.id(), id -> new AtomicReference<>(new State(budget.period().start(clock.getAsLong()), 0, 0, 0)));
    }

    private State current(State s, Budget budget, long now) {
        long start = budget.period().start(now);
        return s.periodStart() == start ? s : new State(start, 0, s.reserved(), 0);
    }

    @Override
    public CompletionStage<Outcome> reserve(List<Budget> budgets, long amount) {
        return CompletableFuture.completedFuture(reserveNow(budgets, amount));
    }

    /** Synchronous form of {@link #reserve}; lock-free, safe from any thread. */
    public Outcome reserveNow(List<Budget> budgets, long amount) {
        long now = clock.getAsLong();
        List<Long> starts = new ArrayList<>(budgets.size());
        for (int i = 0; i < budgets.size(); i++) {
            Budget budget = budgets.get(i);
            AtomicReference<State> ref = ref(budget);
            while (true) {
                State old = ref.get();
                State s = current(old, budget, now);
                if (s.spent() + s.reserved() + amount > budget.limitMicros()) {
                    // All or nothing: give back what the earlier budgets already granted.
                    undo(budgets.subList(0, i), amount);
                    return new Outcome(null, new BudgetExceeded(budget, s.periodStart(), s.spent(), s.reserved(), amount));
                }
                if (ref.compareAndSet(old, new State(s.periodStart(), s.spent(), s.reserved() + amount, s.alerted()))) {
                    starts.add(s.periodStart());
                    break;
                }
            }
        }
        return new Outcome(new Reservation(budgets, starts, amount), null);
    }

    private void undo(List<Budget> budgets, long amount) {
        for (Budget budget : budgets) {
            ref(budget).updateAndGet(s -> new State(s.periodStart(), s.spent(), Math.max(0, s.reserved() - amount), s.alerted()));
        }
    }

    @Override
    public void settle(Reservation reservation, long actual) {
        long now = clock.getAsLong();
        for (Budget budget : reservation.budgets()) {
            AtomicReference<State> ref = ref(budget);
            State old;
            State next;
            int crossed;
            do {
                old = ref.get();
                State s = current(old, budget, now);
                long spent = s.spent() + actual;
                crossed = highestCrossed(spent, budget.limitMicros(), s.alerted());
                next = new State(s.periodStart(), spent, Math.max(0, s.reserved() - reservation.amount()), Math.max(s.alerted(), crossed));
            } while (!ref.compareAndSet(old, next));
            if (actual != 0 || crossed > 0) {
                events.spendChanged(budget, next.periodStart(), next.spent(), next.alerted());
            }
            // Only the thread whose CAS raised 'alerted' reports, so each threshold fires once per period.
            int previous = old.periodStart() == next.periodStart() ? old.alerted() : 0;
            for (int t : thresholds) {
                if (t > previous && t <= crossed) {
                    events.thresholdCrossed(budget, t, next.periodStart(), next.spent());
                }
            }
        }
    }

    private int highestCrossed(long spent, long limit, int alreadyAlerted) {
        int crossed = 0;
        for (int t : thresholds) {
            // spent / limit >= t / 100, in integers: no rounding can fire an alert early or late.
            if (t > alreadyAlerted && limit > 0 && Math.multiplyExact(spent, 100L) >= Math.multiplyExact(limit, (long) t)) {
                crossed = t;
            }
        }
        return crossed;
    }

    @Override
    public CompletionStage<Balance> balance(Budget budget) {
        State s = current(ref(budget).get(), budget, clock.getAsLong());
        return CompletableFuture.completedFuture(
                new Balance(s.periodStart(), budget.period().end(s.periodStart()), s.spent(), s.reserved(), budget.limitMicros()));
    }

    @Override
    public void seed(Budget budget, long periodStart, long spent, int alertedPercent) {
        if (periodStart != budget.period().start(clock.getAsLong())) {
            return; // an earlier period: nothing to carry over
        }
        states.putIfAbsent(budget.id(), new AtomicReference<>(new State(periodStart, spent, 0, alertedPercent)));
    }

    @Override
    public void forget(Budget budget) {
        states.remove(budget.id());
    }
}
