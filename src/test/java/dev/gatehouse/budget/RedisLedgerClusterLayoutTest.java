package dev.gatehouse.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.limits.Scope;
import dev.gatehouse.testing.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Redis Cluster key layout of {@link RedisLedger} (keys tagged per team; one script per tag),
 * run on the real single Redis, which runs each script the same way a cluster master would.
 * {@code RedisClusterTest} runs it on a real cluster through two gateways.
 */
@Timeout(60)
class RedisLedgerClusterLayoutTest {
    private static final LedgerEvents NO_EVENTS = new LedgerEvents() {
        @Override
        public void spendChanged(Budget budget, long periodStart, long spent, int alertedPercent) {}

        @Override
        public void thresholdCrossed(Budget budget, int percent, long periodStart, long spent) {}
    };
    private final RedisClient client = TestRedis.client();
    private final StatefulRedisConnection<String, String> connection = client.connect();
    private final String prefix = "test-" + UUID.randomUUID() + ":";
    private final RedisLedger cluster = new RedisLedger(connection.async(), prefix, System::currentTimeMillis, List.of(), NO_EVENTS,
            Duration.ofMinutes(1), true);

    @AfterEach
    void close() {
        connection.close();
        client.shutdown();
    }

    static Budget org(long limit) {
        return new Budget("b-" + UUID.randomUUID(), "org", Scope.ORG, null, null, Period.DAY, limit, 0, 0);
    }

    static Budget team(String team, long limit) {
        return new Budget("b-" + UUID.randomUUID(), "team", Scope.TEAM, team, team, Period.DAY, limit, 0, 0);
    }

    static Budget key(String key, String team, long limit) {
        return new Budget("b-" + UUID.randomUUID(), "key", Scope.KEY, key, team, Period.DAY, limit, 0, 0);
    }

    @Test
    void aTeamsBudgetsShareOneSlotAndTeamsSpreadWhileOneServerKeepsTheOldKeys() {
        Budget t1 = team("t1", 100);
        Budget k1 = key("k1", "t1", 100);
        assertThat(SlotHash.getSlot(cluster.key(t1, 0))).isEqualTo(SlotHash.getSlot(cluster.key(k1, 0)));
        assertThat(cluster.key(t1, 0)).contains("{gh-budgets:team:t1}");
        assertThat(cluster.key(org(1), 0)).contains("{gh-budgets:org}");
        assertThat(cluster.key(key("k9", null, 1), 0)).contains("{gh-budgets:key:k9}");
        long slots = java.util.stream.IntStream.range(0, 50).map(i -> SlotHash.getSlot(cluster.key(team("team-" + i, 1), 0)))
                .distinct().count();
        assertThat(slots).as("50 teams' budgets over the slots").isGreaterThan(40);
        RedisLedger single = new RedisLedger(connection.async(), "gh:", System::currentTimeMillis, List.of(), NO_EVENTS);
        assertThat(single.key(t1, 42)).isEqualTo("gh:{gh-budgets}:" + t1.id() + ":42");
    }

    @Test
    void aRefusalUnderOneTagGivesBackWhatAnotherTagReserved() throws Exception {
        Budget org = org(1_000);
        Budget team = team("t-" + UUID.randomUUID(), 30);
        BudgetLedger.Outcome first = cluster.reserve(List.of(org, team), 20).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(first.reservation()).isNotNull();
        BudgetLedger.Outcome second = cluster.reserve(List.of(org, team), 20).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(second.reservation()).isNull();
        assertThat(second.refused().budget()).isEqualTo(team);
        assertThat(reserved(org)).as("the organisation's budget holds only the first call").isEqualTo(20);
        cluster.settleShared(first.reservation(), 15).get(5, TimeUnit.SECONDS);
        assertThat(cluster.balance(org).toCompletableFuture().get().spent()).isEqualTo(15);
        assertThat(reserved(org)).isZero();
        assertThat(reserved(team)).isZero();
    }

    @Test
    void concurrentCallsOverTwoTagsAdmitExactlyTheTighterBudget() throws Exception {
        Budget org = org(1_000);
        Budget team = team("t-" + UUID.randomUUID(), 100);
        List<CompletableFuture<BudgetLedger.Outcome>> all = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            all.add(cluster.reserve(List.of(org, team), 10).toCompletableFuture());
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        long admitted = all.stream().filter(f -> f.join().reservation() != null).count();
        assertThat(admitted).isEqualTo(10);
        // Releases are sent before the refusals complete; give the last ones a moment to land.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (reserved(org) != 100 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(reserved(org)).isEqualTo(100);
        assertThat(reserved(team)).isEqualTo(100);
    }

    private long reserved(Budget b) throws Exception {
        return cluster.balance(b).toCompletableFuture().get(5, TimeUnit.SECONDS).reserved();
    }
}
