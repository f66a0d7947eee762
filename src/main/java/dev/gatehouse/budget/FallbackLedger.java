package dev.gatehouse.budget;

import dev.gatehouse.limits.RedisOutage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * The Redis ledger with the {@code local} outage policy: while Redis is unreachable each node
 * reserves and settles in its own memory, on a budget whose limit is its share of what was left
 * when it last saw the budget in Redis ((limit - used) ÷ expected nodes; the whole limit ÷ expected
 * nodes if it never saw this period). That share is fixed at the first call of the outage. When
 * Redis answers again, the spend made locally (and the spend of Redis reservations that ended
 * during the outage) is added to the shared balance, and calls go back to the shared ledger.
 *
 * <p>During the outage no alerts fire and no spend is persisted from this node; both resume from
 * the shared balance once the local spend is settled into it.
 */
final class FallbackLedger implements BudgetLedger {
    private final RedisLedger shared;
    private final RedisOutage outage;
    private final LongSupplier clock;
    private final Object lock = new Object();

    /** The ledger of the current outage and, per budget id, the real budget and its local copy; null when none. */
    private MemoryLedger local;
    private final Map<String, Budget[]> copies = new HashMap<>();
    /** Local reservations in flight, with the ledger that granted them and their real budgets. */
    private final Map<Reservation, Hold> holds = new IdentityHashMap<>();
    /** Shared reservations that ended while Redis was unreachable, with their cost, to settle after. */
    private final List<Pending> pending = new ArrayList<>();

    private record Hold(MemoryLedger ledger, List<Budget> budgets) {}

    private record Pending(Reservation reservation, long actual) {}

    FallbackLedger(RedisLedger shared, RedisOutage outage, LongSupplier clock) {
        this.shared = shared;
        this.outage = outage;
        this.clock = clock;
        outage.onRecovery(this::settleLocalSpend);
    }

    @Override
    public CompletionStage<Outcome> reserve(List<Budget> budgets, long amount) {
        if (outage.active()) {
            Outcome local = reserveLocally(budgets, amount);
            if (local != null) {
                return CompletableFuture.completedFuture(local);
            }
        }
        return shared.reserve(budgets, amount).toCompletableFuture().handle((outcome, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(outcome);
            }
            Outcome local = outage.failed(error) ? reserveLocally(budgets, amount) : null;
            return local != null ? CompletableFuture.completedFuture(local) : CompletableFuture.<Outcome>failedFuture(error);
        }).thenCompose(f -> f);
    }

    /** A local reservation, or null when the outage just ended (the caller uses Redis). */
    private Outcome reserveLocally(List<Budget> budgets, long amount) {
        synchronized (lock) {
            if (!outage.active()) {
                return null;
            }
            if (local == null) {
                local = new MemoryLedger(clock, List.of(), LedgerEvents.NONE);
            }
            List<Budget> localBudgets = new ArrayList<>(budgets.size());
            for (Budget b : budgets) {
                localBudgets.add(copies.computeIfAbsent(b.id(), id -> new Budget[] {b, shareOf(b)})[1]);
            }
            Outcome outcome = local.reserveNow(localBudgets, amount);
            if (outcome.granted()) {
                holds.put(outcome.reservation(), new Hold(local, List.copyOf(budgets)));
                outage.admittedLocally(true);
            }
            return outcome;
        }
    }

    private Budget shareOf(Budget b) {
        long used = shared.lastSeenUsed(b, b.period().start(clock.getAsLong()));
        long left = Math.max(0, b.limitMicros() - Math.max(0, used));
        return new Budget(b.id(), b.name(), b.scope(), b.subject(), b.teamId(), b.period(), outage.share(left),
                b.createdAt(), b.updatedAt());
    }

    @Override
    public void settle(Reservation reservation, long actual) {
        Hold hold;
        synchronized (lock) {
            hold = holds.remove(reservation);
            if (hold != null && hold.ledger() == local) {
                local.settle(reservation, actual);
                return;
            }
        }
        if (hold != null) {
            // Reserved locally in an outage that has ended since: the spend goes to the shared balance.
            shared.settle(spendOnly(hold.budgets()), actual);
            return;
        }
        if (outage.active()) {
            remember(reservation, actual);
            return;
        }
        shared.settleShared(reservation, actual).whenComplete((v, error) -> {
            if (error != null && outage.failed(error)) {
                remember(reservation, actual);
            }
        });
    }

    /** Keeps a shared reservation that could not settle, to settle it (release and charge) after the outage. */
    private void remember(Reservation reservation, long actual) {
        synchronized (lock) {
            pending.add(new Pending(reservation, actual));
        }
    }

    private Reservation spendOnly(List<Budget> budgets) {
        long now = clock.getAsLong();
        return new Reservation(budgets, budgets.stream().map(b -> b.period().start(now)).toList(), 0);
    }

    /** After an outage: adds what this node spent meanwhile to the shared balances (runs on the probe thread). */
    private void settleLocalSpend() {
        Map<String, Long> spend = new HashMap<>();
        Map<String, Budget> real = new HashMap<>();
        List<Pending> ended;
        synchronized (lock) {
            if (local != null) {
                for (Budget[] pair : copies.values()) {
                    long spent = local.balance(pair[1]).toCompletableFuture().join().spent();
                    if (spent > 0) {
                        spend.merge(pair[0].id(), spent, Long::sum);
                        real.put(pair[0].id(), pair[0]);
                    }
                }
            }
            ended = List.copyOf(pending);
            local = null;
            copies.clear();
            pending.clear();
        }
        spend.forEach((id, amount) -> shared.settle(spendOnly(List.of(real.get(id))), amount));
        ended.forEach(p -> shared.settle(p.reservation(), p.actual()));
    }

    @Override
    public CompletionStage<Balance> balance(Budget budget) {
        return shared.balance(budget);
    }

    @Override
    public void seed(Budget budget, long periodStart, long spent, int alertedPercent) {
        shared.seed(budget, periodStart, spent, alertedPercent);
    }

    @Override
    public void forget(Budget budget) {
        shared.forget(budget);
    }
}
