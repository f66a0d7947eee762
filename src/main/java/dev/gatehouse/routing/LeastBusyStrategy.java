package dev.gatehouse.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Fewest attempts in flight on this node first, relative to weight (a target of weight 2 is as
 * busy with 2 calls as one of weight 1 with 1). Ties keep file order.
 */
final class LeastBusyStrategy implements Strategy {
    @Override
    public String name() {
        return "least-busy";
    }

    @Override
    public List<Target> order(List<Target> targets, Context context) {
        List<Target> ordered = new ArrayList<>(targets);
        ordered.sort(Comparator.comparingDouble(
                t -> (double) context.health().status(t).inFlight() / t.settings().weight()));
        return ordered;
    }
}
