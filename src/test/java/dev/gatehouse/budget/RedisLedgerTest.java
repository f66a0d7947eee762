package dev.gatehouse.budget;

import dev.gatehouse.testing.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Against the real Redis (fails, never skips, when it is not running). */
class RedisLedgerTest extends LedgerContract {
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    @Override
    BudgetLedger create(List<Integer> thresholds) {
        client = TestRedis.client();
        connection = client.connect();
        RedisLedger redis = new RedisLedger(connection.async(), "test-" + UUID.randomUUID() + ":", clock::get, thresholds, events);
        return new BudgetLedger() {
            @Override
            public java.util.concurrent.CompletionStage<Outcome> reserve(List<Budget> budgets, long amount) {
                return redis.reserve(budgets, amount);
            }

            @Override
            public void settle(Reservation reservation, long actual) {
                redis.settle(reservation, actual);
            }

            @Override
            public java.util.concurrent.CompletionStage<Balance> balance(Budget budget) {
                return redis.balance(budget);
            }

            @Override
            public void seed(Budget budget, long periodStart, long spent, int alertedPercent) {
                redis.seed(budget, periodStart, spent, alertedPercent);
            }

            @Override
            public void forget(Budget budget) {
                redis.forget(budget);
            }

            @Override
            public void close() {
                connection.close();
                client.shutdown();
            }
        };
    }

    @Test
    void aReservationNeverSettledIsReleasedWhenItsLeaseEndsAndALateSettlementOnlyAddsItsCost() throws Exception {
        // A node killed mid-call never settles: its reservation must not hold the budget until the period ends.
        RedisClient own = TestRedis.client();
        try (StatefulRedisConnection<String, String> c = own.connect()) {
            RedisLedger leased = new RedisLedger(c.async(), "test-" + UUID.randomUUID() + ":", clock::get, List.of(), events,
                    Duration.ofMillis(300));
            Budget b = budget(Period.DAY, 1_000);
            BudgetLedger.Outcome orphan = leased.reserve(List.of(b), 600).toCompletableFuture().get();
            assertThat(orphan.granted()).isTrue();
            assertThat(leased.reserve(List.of(b), 600).toCompletableFuture().get().granted()).isFalse();
            assertThat(leased.balance(b).toCompletableFuture().get().reserved()).isEqualTo(600);

            Thread.sleep(400);
            assertThat(leased.balance(b).toCompletableFuture().get().reserved()).isZero();
            BudgetLedger.Outcome next = leased.reserve(List.of(b), 600).toCompletableFuture().get();
            assertThat(next.granted()).isTrue();

            // The first call settles after all: its cost counts, its (already released) reservation is not released twice.
            leased.settle(orphan.reservation(), 100);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            Balance balance = leased.balance(b).toCompletableFuture().get();
            while (balance.spent() != 100 && System.nanoTime() < deadline) {
                Thread.sleep(10);
                balance = leased.balance(b).toCompletableFuture().get();
            }
            assertThat(balance.spent()).isEqualTo(100);
            assertThat(balance.reserved()).isEqualTo(600);
            leased.settle(next.reservation(), 600);
            while (balance.reserved() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
                balance = leased.balance(b).toCompletableFuture().get();
            }
            assertThat(balance.spent()).isEqualTo(700);
            assertThat(balance.reserved()).isZero();
        } finally {
            own.shutdown();
        }
    }
}
