package dev.gatehouse.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.limits.Scope;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What every ledger must do; run against memory and Redis. */
@Timeout(60)
abstract class LedgerContract {
    final AtomicLong clock = new AtomicLong(Instant.parse("2026-03-15T10:00:00Z").toEpochMilli());
    final List<String> alerts = new CopyOnWriteArrayList<>();
    final LedgerEvents events = new LedgerEvents() {
        @Override
        public void spendChanged(Budget budget, long periodStart, long spent, int alertedPercent) {}

        @Override
        public void thresholdCrossed(Budget budget, int percent, long periodStart, long spent) {
            alerts.add(budget.id() + ":" + percent + ":" + spent);
        }
    };
    BudgetLedger ledger;

    abstract BudgetLedger create(List<Integer> thresholds);

    @BeforeEach
    void open() {
        ledger = create(List.of(80, 100));
    }

    @AfterEach
    void close() {
        ledger.close();
    }

    static Budget budget(Period period, long limit) {
        return new Budget("b-" + UUID.randomUUID(), "test", Scope.ORG, null, null, period, limit, 0, 0);
    }

    BudgetLedger.Outcome reserve(List<Budget> budgets, long amount) throws Exception {
        return ledger.reserve(budgets, amount).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    Balance balance(Budget b) throws Exception {
        return ledger.balance(b).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Settlement is fire and forget (asynchronous in Redis): wait until it shows. */
    Balance awaitBalance(Budget b, long spent, long reserved) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Balance now = balance(b);
        while ((now.spent() != spent || now.reserved() != reserved) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            now = balance(b);
        }
        return now;
    }

    @Test
    void twoHundredConcurrentCallsAgainstABudgetForFiftySpendExactlyTheBudget() throws Exception {
        long cost = 1_234; // micro-USD per call; reserved worst case == actual cost
        Budget b = budget(Period.MONTH, 50 * cost);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    BudgetLedger.Outcome o = ledger.reserve(List.of(b), cost).toCompletableFuture().get(10, TimeUnit.SECONDS);
                    if (o.granted()) {
                        ledger.settle(o.reservation(), cost);
                    }
                    return o.granted();
                }));
            }
            start.countDown();
            int granted = 0;
            for (Future<Boolean> f : results) {
                granted += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(granted).isEqualTo(50);
        } finally {
            pool.shutdownNow();
        }
        Balance balance = awaitBalance(b, 50 * cost, 0);
        assertThat(balance.spent()).isEqualTo(50 * cost);
        assertThat(balance.reserved()).isZero();
        assertThat(balance.remaining()).isZero();
        assertThat(reserve(List.of(b), 1).granted()).isFalse();
    }

    @Test
    void inFlightReservationsBlockOthersUntilSettledOrReleased() throws Exception {
        Budget b = budget(Period.DAY, 1_000);
        BudgetLedger.Outcome first = reserve(List.of(b), 600);
        assertThat(first.granted()).isTrue();
        BudgetLedger.Outcome second = reserve(List.of(b), 600);
        assertThat(second.granted()).isFalse();
        assertThat(second.refused().reserved()).isEqualTo(600);
        ledger.settle(first.reservation(), 0); // upstream failed: release
        awaitBalance(b, 0, 0);
        assertThat(reserve(List.of(b), 600).granted()).isTrue();
    }

    @Test
    void settleChargesTheActualCostNotTheReservation() throws Exception {
        Budget b = budget(Period.DAY, 10_000);
        BudgetLedger.Outcome o = reserve(List.of(b), 5_000);
        ledger.settle(o.reservation(), 1_234);
        Balance balance = awaitBalance(b, 1_234, 0);
        assertThat(balance.spent()).isEqualTo(1_234);
        assertThat(balance.remaining()).isEqualTo(8_766);
    }

    @Test
    void aRefusalOnOneBudgetReservesOnNone() throws Exception {
        Budget roomy = budget(Period.MONTH, 1_000_000);
        Budget tight = budget(Period.MONTH, 100);
        BudgetLedger.Outcome o = reserve(List.of(roomy, tight), 500);
        assertThat(o.granted()).isFalse();
        assertThat(o.refused().budget()).isEqualTo(tight);
        assertThat(balance(roomy).reserved()).isZero();
    }

    @Test
    void periodsStartOverAtUtcBoundaries() throws Exception {
        Budget daily = budget(Period.DAY, 1_000);
        Budget total = budget(Period.TOTAL, 1_000);
        for (Budget b : List.of(daily, total)) {
            ledger.settle(reserve(List.of(b), 1_000).reservation(), 1_000);
            awaitBalance(b, 1_000, 0);
            assertThat(reserve(List.of(b), 1).granted()).isFalse();
        }
        assertThat(balance(daily).periodEnd()).isEqualTo(Instant.parse("2026-03-16T00:00:00Z").toEpochMilli());
        clock.set(Instant.parse("2026-03-16T00:00:00Z").toEpochMilli()); // midnight UTC
        assertThat(balance(daily).spent()).isZero();
        assertThat(reserve(List.of(daily), 1_000).granted()).isTrue();
        assertThat(reserve(List.of(total), 1).granted()).isFalse(); // a total budget never resets
    }

    @Test
    void eachThresholdAlertsOncePerPeriod() throws Exception {
        Budget b = budget(Period.DAY, 1_000);
        for (long cost : new long[] {500, 299, 1, 100, 100}) { // 50%, 79.9%, 80% -> alert, 90%, 100% -> alert
            ledger.settle(reserve(List.of(b), cost).reservation(), cost);
        }
        awaitBalance(b, 1_000, 0);
        awaitAlerts(2);
        assertThat(alerts).containsExactly(b.id() + ":80:800", b.id() + ":100:1000");
        clock.addAndGet(TimeUnit.DAYS.toMillis(1));
        ledger.settle(reserve(List.of(b), 900).reservation(), 900);
        awaitBalance(b, 900, 0);
        awaitAlerts(3);
        assertThat(alerts).hasSize(3).last().isEqualTo(b.id() + ":80:900");
    }

    void awaitAlerts(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (alerts.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void seededSpendCountsAfterARestart() throws Exception {
        Budget b = budget(Period.MONTH, 1_000);
        ledger.seed(b, Period.MONTH.start(clock.get()), 900, 80);
        awaitBalance(b, 900, 0);
        assertThat(reserve(List.of(b), 101).granted()).isFalse();
        assertThat(reserve(List.of(b), 100).granted()).isTrue();
    }
}
