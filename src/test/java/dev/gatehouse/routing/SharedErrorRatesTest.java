package dev.gatehouse.routing;

import static dev.gatehouse.routing.Targets.call;
import static dev.gatehouse.routing.Targets.route;
import static dev.gatehouse.routing.Targets.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.RoutingConfig;
import dev.gatehouse.pricing.Pricing;
import dev.gatehouse.routing.TargetHealth.Outcome;
import dev.gatehouse.testing.TestRedis;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Error counts per target shared between nodes through the real Redis: two nodes each see a
 * target fail on too few calls for their own breakers to judge it, the cluster as a whole sees
 * enough, and every node (a third that never called it too) plans it after the healthy one,
 * without any breaker opening.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SharedErrorRatesTest {
    static final Duration PERIOD = Duration.ofMillis(100);
    /** 5 consecutive failures, or 50 % of at least 10 calls (half the window of 20), open a node's breaker. */
    static final RoutingConfig.CircuitBreaker BREAKER = new RoutingConfig.CircuitBreaker(5, 50, 20, Duration.ofSeconds(30), "least-bad");
    final String prefix = "errors-test-" + UUID.randomUUID().toString().substring(0, 8) + ":stats:";
    final Target flaky = target("flaky", "gpt-4o");
    final Target steady = target("steady", "gpt-4o");
    final Set<String> configured = Set.of(flaky.key(), steady.key());
    final TargetMonitor nodeA = new TargetMonitor(() -> BREAKER);
    final TargetMonitor nodeB = new TargetMonitor(() -> BREAKER);
    final TargetMonitor nodeC = new TargetMonitor(() -> BREAKER);
    final List<RedisClient> clients = List.of(TestRedis.client(), TestRedis.client(), TestRedis.client());
    final List<SharedStats> shared = List.of(SharedStats.start(clients.get(0), prefix, nodeA, () -> configured, PERIOD),
            SharedStats.start(clients.get(1), prefix, nodeB, () -> configured, PERIOD),
            SharedStats.start(clients.get(2), prefix, nodeC, () -> configured, PERIOD));

    @AfterEach
    void stop() {
        shared.forEach(SharedStats::close);
        try (var c = clients.get(0).connect()) {
            c.sync().del(prefix + flaky.key(), prefix + steady.key());
        }
        clients.forEach(RedisClient::shutdown);
    }

    /** Six calls, four failures, never more than two in a row: below every threshold of one node's breaker. */
    private static void sixCallsFourFailures(TargetMonitor node, Target target) {
        for (Outcome o : List.of(Outcome.FAILURE, Outcome.FAILURE, Outcome.SUCCESS, Outcome.FAILURE, Outcome.FAILURE, Outcome.SUCCESS)) {
            node.started(target);
            node.finished(target, o, 0, 1_000_000, 0);
        }
    }

    private List<Target> plan(TargetMonitor node) {
        Router router = new Router(node, Pricing::shipped, () -> RoutingConfig.DEFAULTS, null, KeySelection.NONE);
        return router.plan(route("m", "priority", List.of(flaky, steady)), call("m", false));
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    @Test
    void aTargetFailingAcrossNodesIsTriedLastOnEveryNodeBeforeAnyBreakerOpens() throws Exception {
        assertThat(plan(nodeC)).containsExactly(flaky, steady);
        sixCallsFourFailures(nodeA, flaky);
        assertThat(nodeA.failingAcrossNodes(flaky)).as("6 calls on one node: too few to judge").isFalse();
        sixCallsFourFailures(nodeB, flaky);
        for (int i = 0; i < 6; i++) {
            nodeA.started(steady);
            nodeA.finished(steady, Outcome.SUCCESS, 0, 1_000_000, 0);
        }
        await(() -> nodeA.failingAcrossNodes(flaky) && nodeB.failingAcrossNodes(flaky) && nodeC.failingAcrossNodes(flaky));
        for (TargetMonitor node : List.of(nodeA, nodeB, nodeC)) {
            assertThat(node.failingAcrossNodes(flaky)).as("12 calls, 8 failures across the cluster").isTrue();
            assertThat(node.failingAcrossNodes(steady)).isFalse();
            assertThat(plan(node)).containsExactly(steady, flaky);
            assertThat(node.status(flaky).circuit()).as("no breaker opened").isEqualTo(TargetStatus.Circuit.CLOSED);
        }

        // Neutral outcomes (the caller's fault) do not count; successes bring the rate under the threshold.
        for (int i = 0; i < 6; i++) {
            nodeC.started(flaky);
            nodeC.finished(flaky, Outcome.NEUTRAL, 0, 1_000_000, 0);
        }
        for (int i = 0; i < 5; i++) {
            nodeC.started(flaky);
            nodeC.finished(flaky, Outcome.SUCCESS, 0, 1_000_000, 0);
        }
        await(() -> !nodeA.failingAcrossNodes(flaky) && !nodeB.failingAcrossNodes(flaky) && !nodeC.failingAcrossNodes(flaky));
        for (TargetMonitor node : List.of(nodeA, nodeB, nodeC)) {
            assertThat(node.failingAcrossNodes(flaky)).as("8 failures in 17 calls: under 50 %").isFalse();
            assertThat(plan(node)).containsExactly(flaky, steady);
        }
    }

    @Test
    void withoutTheOthersFiguresANodeJudgesAlone() throws Exception {
        sixCallsFourFailures(nodeA, flaky);
        sixCallsFourFailures(nodeB, flaky);
        await(() -> nodeA.failingAcrossNodes(flaky));
        assertThat(nodeA.failingAcrossNodes(flaky)).isTrue();
        shared.get(0).close(); // node A stops exchanging; the others' figures of A go stale after 5 s
        nodeA.peerStats(flaky.key(), null); // as when A's Redis is unreachable
        assertThat(nodeA.failingAcrossNodes(flaky)).isFalse();
        assertThat(plan(nodeA)).containsExactly(flaky, steady);
    }

    @Test
    void figuresFromANodeOfThePreviousReleaseReadAsNoErrors() {
        PeerStats old = PeerStats.decode("1000 2000 1 7 70 1700000000000");
        assertThat(old).isNotNull();
        assertThat(old.requestsLastMinute()).isEqualTo(7);
        assertThat(old.judgedLastMinute()).isZero();
        PeerStats now = PeerStats.decode(PeerStats.encode(1000, 2000, 1, 7, 70, 6, 4, 1700000000000L));
        assertThat(now.judgedLastMinute()).isEqualTo(6);
        assertThat(now.failuresLastMinute()).isEqualTo(4);
        assertThat(PeerStats.publishedAt(PeerStats.encode(1000, 2000, 1, 7, 70, 6, 4, 1700000000000L))).isEqualTo(1700000000000L);
    }
}
