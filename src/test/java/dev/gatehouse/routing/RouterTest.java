package dev.gatehouse.routing;

import static dev.gatehouse.routing.Targets.call;
import static dev.gatehouse.routing.Targets.route;
import static dev.gatehouse.routing.Targets.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.config.RoutingConfig;
import dev.gatehouse.pricing.Pricing;
import dev.gatehouse.routing.TargetHealth.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RouterTest {
    final Targets.TestClock clock = new Targets.TestClock();
    final AtomicReference<RoutingConfig> config = new AtomicReference<>(RoutingConfig.DEFAULTS);
    final TargetMonitor health = new TargetMonitor(() -> config.get().circuitBreaker(), clock);
    final Router router = new Router(health, Pricing::shipped, config::get, new Random(1), KeySelection.NONE);
    final Target a = target("a", "gpt-4o");
    final Target b = target("b", "gpt-4o-mini");
    final Target c = target("c", "gpt-4.1");

    @Test
    void planFollowsTheStrategyAndSaysSo() {
        Call call = call("m", false);
        assertThat(router.plan(route("m", "priority", List.of(a, b, c)), call)).containsExactly(a, b, c);
        assertThat(call.routeReason()).isEqualTo("strategy=priority");
        Call cheap = call("m", false);
        assertThat(router.plan(route("m", "lowest-cost", List.of(a, b)), cheap)).containsExactly(b, a);
        assertThat(cheap.routeReason()).isEqualTo("strategy=lowest-cost");
    }

    @Test
    void anOpenTargetIsSkippedAndKeptAsTheLastResort() {
        open(a);
        Call call = call("m", false);
        assertThat(router.plan(route("m", "priority", List.of(a, b, c)), call)).containsExactly(b, c, a);
        assertThat(call.routeReason())
                .isEqualTo("strategy=priority; skipped=a/gpt-4o (circuit open); last-resort=a/gpt-4o (least-bad)");
    }

    @Test
    void whenEveryTargetIsOpenTheOneOpenLongestIsTried() {
        open(b);
        clock.advance(Duration.ofSeconds(5));
        open(a);
        Call call = call("m", false);
        assertThat(router.plan(route("m", "priority", List.of(a, b)), call)).containsExactly(b);
        assertThat(call.routeReason()).isEqualTo("strategy=priority; skipped=a/gpt-4o (circuit open), "
                + "b/gpt-4o-mini (circuit open); last-resort=b/gpt-4o-mini (every circuit open: least-bad)");
    }

    @Test
    void whenEveryTargetIsOpenAndTheConfigSaysFailItIsA503() {
        config.set(new RoutingConfig(List.of(), RoutingConfig.Retries.DEFAULTS,
                new RoutingConfig.CircuitBreaker(5, 50, 20, Duration.ofSeconds(30), "fail"), Duration.ofMinutes(1), "continue"));
        open(a);
        open(b);
        assertThatThrownBy(() -> router.plan(route("pair", "priority", List.of(a, b)), call("pair", false)))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.code()).isEqualTo("all_targets_unavailable");
                    assertThat(e.getMessage()).contains("'pair'", "a/gpt-4o", "b/gpt-4o-mini", "cooling down");
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(30));
                });
        // one healthy target left: no error, no last resort
        Call call = call("m", false);
        assertThat(router.plan(route("m", "priority", List.of(a, b, c)), call)).containsExactly(c);
    }

    @Test
    void trafficReturnsToThePrimaryOnceItsProbeSucceeds() {
        Route route = route("m", "priority", List.of(a, b));
        open(a);
        assertThat(router.plan(route, call("m", false)).getFirst()).isEqualTo(b);
        clock.advance(RoutingConfig.CircuitBreaker.DEFAULTS.cooldown().plusSeconds(1));
        List<Target> probe = router.plan(route, call("m", false));
        assertThat(probe).containsExactly(a, b); // the probe goes first
        assertThat(router.plan(route, call("m", false))).containsExactly(b, a); // while it is out, others go elsewhere
        health.started(a);
        health.finished(a, Outcome.SUCCESS, 1, 1, 0);
        assertThat(router.plan(route, call("m", false))).containsExactly(a, b);
    }

    @Test
    void theNoArgumentRouterIsPriorityWithoutHealth() {
        Call call = call("m", false);
        Router plain = new Router(TargetHealth.NONE, Pricing::shipped, () -> RoutingConfig.DEFAULTS, null, KeySelection.NONE);
        assertThat(plain.plan(route("m", "least-latency", List.of(a, b)), call)).containsExactly(a, b);
        assertThat(call.routeReason()).isEqualTo("strategy=least-latency");
    }

    private void open(Target t) {
        for (int i = 0; i < RoutingConfig.CircuitBreaker.DEFAULTS.consecutiveFailures(); i++) {
            health.started(t);
            health.finished(t, Outcome.FAILURE, 0, 1, 0);
        }
        assertThat(health.status(t).circuit()).isEqualTo(TargetStatus.Circuit.OPEN);
    }
}
