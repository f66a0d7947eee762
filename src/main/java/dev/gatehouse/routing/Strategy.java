package dev.gatehouse.routing;

import dev.gatehouse.call.Call;
import dev.gatehouse.pricing.Pricing;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Orders a route's targets for one request: the first is tried first, the rest are its fallbacks
 * in order. Strategies only order; the router filters (access policies, open circuits).
 * Implementations are stateless or lock-free: one instance serves all requests.
 */
interface Strategy {

    /** What a strategy may read: live target statistics, prices and the request. */
    record Context(TargetHealth health, Pricing pricing, Call call) {}

    String name();

    /** A new list holding {@code targets} in the order to try them; {@code targets} is not modified. */
    List<Target> order(List<Target> targets, Context context);

    /** The strategies by config name ({@code models.<name>.strategy}). */
    static Strategy of(String name, RandomGenerator random) {
        return switch (name) {
            case "weighted" -> new WeightedStrategy(random);
            case "least-latency" -> new LeastLatencyStrategy();
            case "least-busy" -> new LeastBusyStrategy();
            case "lowest-cost" -> new LowestCostStrategy();
            case "usage-aware" -> new UsageAwareStrategy();
            default -> new PriorityStrategy();
        };
    }
}
