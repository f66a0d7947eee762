package dev.gatehouse.routing;

import dev.gatehouse.pricing.ModelPrice;
import dev.gatehouse.pricing.TokenEstimate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Cheapest first for this request: the estimated input tokens (from the body size) and the
 * caller's output cap (or {@link #TYPICAL_OUTPUT} when unset) at each upstream model's catalogue
 * price. Unpriced targets go last (their cost is unknown, not zero). Ties keep file order.
 */
final class LowestCostStrategy implements Strategy {
    /** Output tokens assumed when the caller sets no cap: a typical chat answer. */
    static final long TYPICAL_OUTPUT = 500;

    @Override
    public String name() {
        return "lowest-cost";
    }

    @Override
    public List<Target> order(List<Target> targets, Context context) {
        long input = context.call() == null ? 1000 : TokenEstimate.typical(context.call().requestBytes());
        Integer cap = context.call() == null ? null : context.call().maxOutputTokens();
        long output = cap == null || cap <= 0 ? TYPICAL_OUTPUT : cap;
        List<Target> ordered = new ArrayList<>(targets);
        ordered.sort(Comparator.comparingDouble(t -> cost(context, t, input, output)));
        return ordered;
    }

    static double cost(Context context, Target target, long input, long output) {
        if (context.pricing() == null) {
            return 0;
        }
        ModelPrice price = context.pricing().price(target.upstreamModel());
        if (price.input() == 0 && price.output() == 0) {
            return Double.POSITIVE_INFINITY;
        }
        return (double) input * price.input() + (double) output * price.output();
    }
}
