package dev.gatehouse.routing;

import static dev.gatehouse.routing.Targets.call;
import static dev.gatehouse.routing.Targets.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.gatehouse.call.Call;
import dev.gatehouse.config.RoutingConfig;
import dev.gatehouse.pricing.Pricing;
import dev.gatehouse.routing.TargetHealth.Outcome;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StrategiesTest {
    final Targets.TestClock clock = new Targets.TestClock();
    final TargetMonitor health = new TargetMonitor(() -> RoutingConfig.CircuitBreaker.DEFAULTS, clock);
    final Target a = target("a", "gpt-4o");
    final Target b = target("b", "gpt-4o-mini");
    final Target c = target("c", "gpt-4.1");

    static final Pricing PRICES = Pricing.shipped(); // parses the catalogue: once, not per draw

    Strategy.Context context(Call call) {
        return new Strategy.Context(health, PRICES, call);
    }

    @Test
    void priorityKeepsFileOrder() {
        assertThat(new PriorityStrategy().order(List.of(a, b, c), context(call("m", false)))).containsExactly(a, b, c);
    }

    @Test
    void weightedPutsEachTargetFirstInProportionToItsWeight() {
        Target light = target("a", "gpt-4o", 1, null, null);
        Target heavy = target("b", "gpt-4o", 3, null, null);
        Target none = target("c", "gpt-4o", 6, null, null);
        WeightedStrategy weighted = new WeightedStrategy(new Random(42));
        Map<String, Integer> first = new HashMap<>();
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            List<Target> order = weighted.order(List.of(light, heavy, none), context(call("m", false)));
            assertThat(order).containsExactlyInAnyOrder(light, heavy, none); // the rest stay as fallbacks
            first.merge(order.getFirst().provider().name(), 1, Integer::sum);
        }
        assertThat(first.get("a") / (double) n).isCloseTo(0.1, within(0.015));
        assertThat(first.get("b") / (double) n).isCloseTo(0.3, within(0.015));
        assertThat(first.get("c") / (double) n).isCloseTo(0.6, within(0.015));
    }

    @Test
    void weightedIsDeterministicForASeed() {
        List<Target> one = new WeightedStrategy(new Random(7)).order(List.of(a, b, c), context(null));
        List<Target> two = new WeightedStrategy(new Random(7)).order(List.of(a, b, c), context(null));
        assertThat(one).isEqualTo(two);
    }

    @Test
    void leastLatencyOrdersByTimeToFirstTokenForStreamsAndDurationOtherwise() {
        // a: quick first token, long answers; b: slow first token, short answers.
        for (int i = 0; i < 5; i++) {
            report(a, 100_000_000L, 3_000_000_000L);
            report(b, 400_000_000L, 1_000_000_000L);
            report(c, 200_000_000L, 2_000_000_000L);
        }
        LeastLatencyStrategy strategy = new LeastLatencyStrategy();
        assertThat(strategy.order(List.of(a, b, c), context(call("m", true)))).containsExactly(a, c, b);
        assertThat(strategy.order(List.of(a, b, c), context(call("m", false)))).containsExactly(b, c, a);
    }

    @Test
    void leastLatencyIsAMovingAverageThatFollowsAChange() {
        for (int i = 0; i < 10; i++) {
            report(a, 100_000_000L, 1_000_000_000L);
            report(b, 200_000_000L, 2_000_000_000L);
        }
        LeastLatencyStrategy strategy = new LeastLatencyStrategy();
        assertThat(strategy.order(List.of(a, b), context(call("m", true)))).containsExactly(a, b);
        report(a, 1_000_000_000L, 1_000_000_000L); // one slow call moves the average by a fifth of its excess
        assertThat(health.status(a).ttftNanos()).isEqualTo(280_000_000L);
        assertThat(strategy.order(List.of(a, b), context(call("m", true)))).containsExactly(b, a);
    }

    @Test
    void leastLatencyTriesAnUnmeasuredTargetFirstAndIgnoresFailures() {
        report(a, 100_000_000L, 1_000_000_000L);
        health.started(b);
        health.finished(b, Outcome.FAILURE, 0, 5_000_000L, 0); // a fast failure is not a fast target
        assertThat(health.status(b).ttftNanos()).isZero();
        assertThat(new LeastLatencyStrategy().order(List.of(a, b), context(call("m", true)))).containsExactly(b, a);
    }

    @Test
    void leastBusyPrefersFewestInFlightRelativeToWeight() {
        Target big = target("big", "gpt-4o", 4, null, null);
        health.started(a);
        health.started(a);
        health.started(big);
        health.started(big);
        health.started(big);
        health.started(b);
        LeastBusyStrategy strategy = new LeastBusyStrategy();
        // in flight / weight: a 2, big 0.75, b 1, c 0
        assertThat(strategy.order(List.of(a, big, b, c), context(null))).containsExactly(c, big, b, a);
        health.finished(a, Outcome.SUCCESS, 1, 1, 0);
        health.finished(a, Outcome.NEUTRAL, 1, 1, 0);
        assertThat(health.status(a).inFlight()).isZero();
        assertThat(strategy.order(List.of(a, big, b, c), context(null))).containsExactly(a, c, big, b);
    }

    @Test
    void lowestCostPutsTheCheapestModelFirstAndUnpricedLast() {
        Target unpriced = target("x", "no-such-model-anywhere");
        List<Target> order = new LowestCostStrategy().order(List.of(unpriced, a, b), context(call("m", false)));
        assertThat(order).containsExactly(b, a, unpriced); // gpt-4o-mini is cheaper than gpt-4o
    }

    @Test
    void usageAwarePrefersHeadroomUnderRpmAndTpm() {
        Target rpmLimited = target("a", "gpt-4o", 1, 10, null);
        Target tpmLimited = target("b", "gpt-4o", 1, null, 1000);
        Target unlimited = target("c", "gpt-4o");
        UsageAwareStrategy strategy = new UsageAwareStrategy();
        assertThat(strategy.order(List.of(rpmLimited, tpmLimited, unlimited), context(null)))
                .containsExactly(rpmLimited, tpmLimited, unlimited); // all have full headroom: file order
        for (int i = 0; i < 5; i++) { // 50 % of rpm used
            health.started(rpmLimited);
            health.finished(rpmLimited, Outcome.SUCCESS, 1, 1, 10);
        }
        health.started(tpmLimited);
        health.finished(tpmLimited, Outcome.SUCCESS, 1, 1, 800); // 80 % of tpm used
        assertThat(strategy.order(List.of(rpmLimited, tpmLimited, unlimited), context(null)))
                .containsExactly(unlimited, rpmLimited, tpmLimited);
        clock.advance(java.time.Duration.ofSeconds(61)); // the minute passed: headroom is back
        assertThat(health.status(rpmLimited).requestsLastMinute()).isZero();
        assertThat(strategy.order(List.of(rpmLimited, tpmLimited, unlimited), context(null)))
                .containsExactly(rpmLimited, tpmLimited, unlimited);
    }

    private void report(Target target, long ttft, long duration) {
        health.started(target);
        health.finished(target, Outcome.SUCCESS, ttft, duration, 0);
    }
}
