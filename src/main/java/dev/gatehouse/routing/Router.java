package dev.gatehouse.routing;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.config.ModelConfig;
import dev.gatehouse.config.RoutingConfig;
import dev.gatehouse.pricing.Pricing;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Turns a route into an ordered plan of attempts: the targets {@link Eligibility} allows the call,
 * ordered by the route's strategy, without those whose circuit is open — and, when the config
 * says {@code when-all-open: least-bad}, the least-bad of those as a last resort. The executor
 * only walks the plan. Why the plan looks as it does is left on the call ({@link Call#routeReason()}).
 */
public final class Router {
    private final TargetHealth health;
    private final Supplier<Pricing> pricing;
    private final Supplier<RoutingConfig> routing;
    private final Map<String, Strategy> strategies = new HashMap<>();
    private final KeySelection keys;
    private final AutoRouter autoRouter;

    /**
     * @param random the weighted strategy's source of randomness, shared by all event loops (so
     *     thread-safe, e.g. a seeded {@link java.util.Random} in tests); null for a per-thread one
     * @param keys swaps in a team's own provider key (BYOK) for the targets of that provider
     */
    public Router(TargetHealth health, Supplier<Pricing> pricing, Supplier<RoutingConfig> routing, RandomGenerator random,
            KeySelection keys) {
        this.keys = keys;
        this.health = health;
        this.pricing = pricing;
        this.routing = routing;
        this.autoRouter = new AutoRouter(health, pricing);
        RandomGenerator source = random != null ? random : threadLocal();
        for (String name : ModelConfig.STRATEGIES) {
            strategies.put(name, Strategy.of(name, source));
        }
    }

    /** The health the plans are made from; the executor reports every attempt to it. */
    public TargetHealth health() {
        return health;
    }

    /**
     * For a router model ({@link Route#router()}): the public model that serves this call, and
     * the candidates behind it ({@link AutoRouter}). {@code content} decodes the request; asked
     * only when a rule or the capability check needs it. Fails with a 400 when nothing qualifies.
     */
    public Future<AutoRouter.Choice> choose(Route route, Call call, RoutingTable routes,
            Supplier<ChatRequest> content) {
        return autoRouter.choose(route, call, routes, content);
    }

    /** A plan under the policy rules only, without provider configuration: for tests and tools. */
    public List<Target> plan(Route route, Call call) {
        return plan(route, call, Eligibility.withoutProviderConfig());
    }

    /**
     * The targets {@code eligibility} allows, ordered by the route's strategy, circuits checked,
     * with the caller's own key (BYOK) applied.
     */
    public List<Target> plan(Route route, Call call, Eligibility eligibility) {
        Strategy strategy = strategies.getOrDefault(route.strategy(), strategies.get("priority"));
        StringBuilder reason = new StringBuilder("strategy=").append(strategy.name());
        List<Target> allowed = eligibility.eligible(call, route.targets(), reason);
        List<Target> ordered = allowed.size() <= 1 ? allowed
                : strategy.order(allowed, new Strategy.Context(health,
                        pricing != null && strategy instanceof LowestCostStrategy ? pricing.get() : null, call));
        List<Target> plan = new ArrayList<>(ordered.size() + 1);
        List<Target> open = null;
        List<Target> failing = null;
        for (Target target : ordered) {
            if (ordered.size() > 1 && health.failingAcrossNodes(target)) {
                // Failing on the cluster as a whole: tried after the others (its breaker still decides whether at all).
                if (failing == null) {
                    failing = new ArrayList<>(2);
                }
                failing.add(target);
                continue;
            }
            if (health.available(target)) {
                plan.add(target);
            } else {
                if (open == null) {
                    open = new ArrayList<>(2);
                }
                open.add(target);
                skip(reason, target, "circuit open");
            }
        }
        if (failing != null) {
            for (Target target : failing) {
                if (health.available(target)) {
                    plan.add(target);
                    reason.append("; deprioritised=").append(target.key()).append(" (failing across nodes)");
                } else {
                    if (open == null) {
                        open = new ArrayList<>(2);
                    }
                    open.add(target);
                    skip(reason, target, "circuit open");
                }
            }
        }
        if (open != null) {
            RoutingConfig.CircuitBreaker breaker = routing.get().circuitBreaker();
            if ("fail".equals(breaker.whenAllOpen())) {
                if (plan.isEmpty()) {
                    call.routeReason(reason.toString());
                    throw allCoolingDown(route, open, breaker.cooldown());
                }
            } else {
                Target lastResort = leastBad(open);
                plan.add(lastResort);
                reason.append("; last-resort=").append(lastResort.key())
                        .append(plan.size() == 1 ? " (every circuit open: least-bad)" : " (least-bad)");
            }
        }
        call.routeReason(reason.toString());
        return keys.apply(plan, call);
    }

    /** The open target most likely to have recovered: opened longest ago, then the lowest failure rate. */
    Target leastBad(List<Target> open) {
        Comparator<Target> byOpened = Comparator.comparingLong(t -> health.status(t).openedAtMillis());
        return open.stream().min(byOpened.thenComparingDouble(t -> health.status(t).failureRatePercent())).orElseThrow();
    }

    private static void skip(StringBuilder reason, Target target, String why) {
        Eligibility.skip(reason, target, why);
    }

    static GatewayException allCoolingDown(Route route, List<Target> open, Duration cooldown) {
        StringBuilder names = new StringBuilder();
        for (Target t : open) {
            names.append(names.isEmpty() ? "" : ", ").append(t.key());
        }
        return new GatewayException(ErrorType.UNAVAILABLE, "Every target of the model '" + route.publicName()
                + "' is cooling down after repeated failures (circuit open: " + names + "). Retry in a moment.",
                null, "all_targets_unavailable", cooldown, 0);
    }

    private static RandomGenerator threadLocal() {
        // A view that asks for the current thread's generator on every draw: event loops never contend.
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return ThreadLocalRandom.current().nextLong();
            }

            @Override
            public double nextDouble() {
                return ThreadLocalRandom.current().nextDouble();
            }
        };
    }
}
