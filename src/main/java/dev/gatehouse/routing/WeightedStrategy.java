package dev.gatehouse.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Spreads traffic by {@code weight}: target i comes first with probability w_i / Σw, and the
 * remaining targets follow as fallbacks, again drawn by weight. This is weighted sampling without
 * replacement (Efraimidis–Spirakis: sort by u^(1/w) descending), one random draw per target.
 */
final class WeightedStrategy implements Strategy {
    private final RandomGenerator random;

    /** @param random shared source; tests pass a seeded one */
    WeightedStrategy(RandomGenerator random) {
        this.random = random;
    }

    @Override
    public String name() {
        return "weighted";
    }

    @Override
    public List<Target> order(List<Target> targets, Context context) {
        int n = targets.size();
        if (n <= 1) {
            return List.copyOf(targets);
        }
        double[] keys = new double[n];
        Integer[] index = new Integer[n];
        for (int i = 0; i < n; i++) {
            // log(u)/w orders exactly like u^(1/w) and does not underflow for large weights.
            double u = random.nextDouble();
            keys[i] = Math.log(u == 0 ? Double.MIN_VALUE : u) / targets.get(i).settings().weight();
            index[i] = i;
        }
        Arrays.sort(index, (x, y) -> Double.compare(keys[y], keys[x]));
        List<Target> ordered = new ArrayList<>(n);
        for (Integer i : index) {
            ordered.add(targets.get(i));
        }
        return ordered;
    }
}
