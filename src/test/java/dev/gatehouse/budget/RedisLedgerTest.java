package dev.gatehouse.budget;

import dev.gatehouse.testing.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.List;
import java.util.UUID;

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
}
