package dev.gatehouse.routing;

import java.util.List;

/** The configured order: the first target is the primary, the others its fallbacks. */
final class PriorityStrategy implements Strategy {
    @Override
    public String name() {
        return "priority";
    }

    @Override
    public List<Target> order(List<Target> targets, Context context) {
        return List.copyOf(targets);
    }
}
