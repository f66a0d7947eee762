package dev.gatehouse.budget;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persists budget spend off the request path: settlements only put the latest value of a
 * (budget, period) into a map; a background thread writes what changed in one batch every
 * second. Values are absolute, so a batch that fails is simply written again next time (newer
 * values replace older ones in the map meanwhile). {@link #close} writes the last batch.
 */
public final class SpendWriter implements LedgerEvents, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpendWriter.class);

    private final BudgetStore store;
    private final Map<String, BudgetStore.Spend> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;

    public SpendWriter(BudgetStore store, long intervalMillis) {
        this.store = store;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("gatehouse-spend-writer").factory());
        scheduler.scheduleWithFixedDelay(this::flush, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void spendChanged(Budget budget, long periodStart, long spent, int alertedPercent) {
        BudgetStore.Spend next = new BudgetStore.Spend(budget.id(), periodStart, spent, alertedPercent);
        pending.merge(budget.id() + ":" + periodStart, next, (old, now) -> now.spent() >= old.spent() ? now : old);
    }

    @Override
    public void thresholdCrossed(Budget budget, int percent, long periodStart, long spent) {}

    /** Writes what is pending; returns how many rows. Safe to call from any non-event-loop thread. */
    public synchronized int flush() {
        if (pending.isEmpty()) {
            return 0;
        }
        Map<String, BudgetStore.Spend> batch = Map.copyOf(pending);
        try {
            store.saveSpend(new ArrayList<>(batch.values()));
        } catch (RuntimeException e) {
            LOG.warn("budget spend not persisted yet ({} rows), retrying: {}", batch.size(), e.getMessage());
            return 0;
        }
        batch.forEach(pending::remove); // remove(key, value): a newer value that arrived meanwhile stays
        return batch.size();
    }

    @Override
    public void close() {
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush();
    }

    /** Events to both. */
    public static LedgerEvents both(LedgerEvents a, LedgerEvents b) {
        return new LedgerEvents() {
            @Override
            public void spendChanged(Budget budget, long periodStart, long spent, int alertedPercent) {
                a.spendChanged(budget, periodStart, spent, alertedPercent);
                b.spendChanged(budget, periodStart, spent, alertedPercent);
            }

            @Override
            public void thresholdCrossed(Budget budget, int percent, long periodStart, long spent) {
                a.thresholdCrossed(budget, percent, periodStart, spent);
                b.thresholdCrossed(budget, percent, periodStart, spent);
            }
        };
    }
}
