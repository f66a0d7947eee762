package dev.gatehouse.routing;

import static dev.gatehouse.routing.Targets.call;
import static dev.gatehouse.routing.Targets.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.RoutingConfig;
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
 * Two nodes' routing statistics shared through the real Redis: each node is a {@link TargetMonitor}
 * with its own {@link SharedStats} (its own client, as a separate process has), under a key prefix
 * of the test's own. One node sees a slow target; the other, which never saw it slow, then prefers
 * the fast one; and when it loses Redis it routes on its own calls again.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SharedStatsTest {
    static final Duration PERIOD = Duration.ofMillis(100);
    final String prefix = "stats-test-" + UUID.randomUUID().toString().substring(0, 8) + ":stats:";
    final Target slow = target("slow", "gpt-4o");
    final Target fast = target("fast", "gpt-4o");
    final Set<String> configured = Set.of(slow.key(), fast.key());
    final TargetMonitor nodeA = monitor();
    final TargetMonitor nodeB = monitor();
    final RedisClient redisA = TestRedis.client();
    final RedisClient redisB = TestRedis.client();
    final SharedStats sharedA = SharedStats.start(redisA, prefix, nodeA, () -> configured, PERIOD);
    final SharedStats sharedB = SharedStats.start(redisB, prefix, nodeB, () -> configured, PERIOD);

    private static TargetMonitor monitor() {
        return new TargetMonitor(() -> new RoutingConfig.CircuitBreaker(3, 50, 10, Duration.ofSeconds(30), "least-bad"));
    }

    @AfterEach
    void stop() {
        sharedA.close();
        sharedB.close();
        try (var c = redisA.connect()) {
            c.sync().del(prefix + slow.key(), prefix + fast.key());
        }
        redisA.shutdown();
        redisB.shutdown();
    }

    private static void done(TargetMonitor node, Target target, long millis) {
        node.started(target);
        node.finished(target, Outcome.SUCCESS, 0, TimeUnit.MILLISECONDS.toNanos(millis), 10);
    }

    private List<Target> leastLatency(TargetMonitor node) {
        return new LeastLatencyStrategy().order(List.of(slow, fast), new Strategy.Context(node, null, call("m", false)));
    }

    private List<Target> leastBusy(TargetMonitor node) {
        return new LeastBusyStrategy().order(List.of(slow, fast), new Strategy.Context(node, null, call("m", false)));
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    @Test
    void aNodePrefersTheTargetThatAnotherNodeFoundFaster() throws Exception {
        done(nodeB, slow, 100); // B's own single call found 'slow' quick
        for (int i = 0; i < 5; i++) {
            done(nodeA, slow, 800); // A then sees it slow, and 'fast' fast
            done(nodeA, fast, 50);
        }
        // B's own view: 'fast' never measured (0: tried first), 'slow' 100 ms.
        assertThat(nodeB.status(fast).durationNanos()).isZero();

        await(() -> nodeB.status(fast).durationNanos() > 0);
        // Weighted by calls: slow = (1 × 100 + 5 × 800) / 6 ms; fast = A's 50 ms.
        assertThat(nodeB.status(slow).durationNanos()).isEqualTo(Math.round((100e6 + 5 * 800e6) / 6));
        assertThat(nodeB.status(fast).durationNanos()).isEqualTo(50_000_000L);
        assertThat(nodeB.status(slow).requestsLastMinute()).isEqualTo(6); // 1 here + 5 on A
        assertThat(nodeB.status(slow).tokensLastMinute()).isEqualTo(60);
        assertThat(leastLatency(nodeB)).containsExactly(fast, slow);
        // A's view likewise holds B's call; its own figures alone are what it publishes (no echo).
        await(() -> nodeA.status(slow).requestsLastMinute() == 6);
        assertThat(nodeA.status(slow).requestsLastMinute()).isEqualTo(6);
    }

    @Test
    void callsInFlightOnOtherNodesCountForLeastBusy() throws Exception {
        assertThat(leastBusy(nodeB)).containsExactly(slow, fast); // nothing known: file order
        nodeA.started(slow);
        nodeA.started(slow);
        await(() -> nodeB.status(slow).inFlight() == 2);
        assertThat(nodeB.status(slow).inFlight()).isEqualTo(2);
        assertThat(leastBusy(nodeB)).containsExactly(fast, slow);
        nodeA.finished(slow, Outcome.SUCCESS, 0, 1_000_000, 0);
        nodeA.finished(slow, Outcome.SUCCESS, 0, 1_000_000, 0);
        await(() -> nodeB.status(slow).inFlight() == 0);
        assertThat(nodeB.status(slow).inFlight()).isZero();
    }

    @Test
    void withoutRedisANodeRoutesOnItsOwnCallsAgain() throws Exception {
        done(nodeB, slow, 100);
        for (int i = 0; i < 5; i++) {
            done(nodeA, slow, 800);
        }
        await(() -> nodeB.status(slow).requestsLastMinute() == 6);
        assertThat(nodeB.status(slow).durationNanos()).isGreaterThan(600_000_000L);

        redisB.shutdown(); // B's connection closes: its next exchange fails, and the others' figures are dropped
        await(() -> nodeB.status(slow).requestsLastMinute() == 1);
        assertThat(nodeB.status(slow).requestsLastMinute()).isEqualTo(1);
        assertThat(nodeB.status(slow).durationNanos()).isEqualTo(100_000_000L);
    }

    @Test
    void aStoppedNodesFiguresAreIgnoredOnceStale() throws Exception {
        for (int i = 0; i < 3; i++) {
            done(nodeA, fast, 50);
        }
        await(() -> nodeB.status(fast).requestsLastMinute() == 3);
        assertThat(nodeB.status(fast).requestsLastMinute()).isEqualTo(3);
        sharedA.close(); // A stops publishing (stopped, or cut off from Redis)
        long stoppedAt = System.nanoTime();
        long deadline = stoppedAt + TimeUnit.MILLISECONDS.toNanos(SharedStats.STALE + 3_000);
        while (nodeB.status(fast).requestsLastMinute() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(nodeB.status(fast).requestsLastMinute()).isZero();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt)).isGreaterThanOrEqualTo(SharedStats.STALE - 500);
    }
}
