package dev.gatehouse.gateway;

import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.routing.Target;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

/**
 * The targets a call may still try, in order: the routed model's plan, then each fallback
 * model's plan, built only when reached. After a context-length error only targets with a known,
 * larger context window remain eligible.
 */
final class AttemptPlan {
    private final Deque<Target> current;
    private final Deque<String> fallbackModels;
    private final Function<String, List<Target>> planOf;
    private long minContextWindow = -1;
    private String currentModel;

    /**
     * @param planOf the plan of a fallback public model, or an empty list when the caller may not
     *     use it (policy) or it does not exist
     */
    AttemptPlan(String model, List<Target> targets, List<String> fallbackModels, Function<String, List<Target>> planOf) {
        this.current = new ArrayDeque<>(targets);
        this.fallbackModels = new ArrayDeque<>(fallbackModels);
        this.planOf = planOf;
        this.currentModel = model;
    }

    /** The public model whose targets are being tried. */
    String currentModel() {
        return currentModel;
    }

    /** Learns from a failure: a context-length error raises the bar for the next targets. */
    void failed(Target target, UpstreamError error) {
        if (error.errorClass() == ErrorClass.CONTEXT_LENGTH) {
            Integer window = target.settings().contextWindow();
            // Unknown window: no other target can be shown to be larger, so none qualifies.
            minContextWindow = window == null ? Long.MAX_VALUE : Math.max(minContextWindow, window);
        }
    }

    /** The next target to try, or null when none is left. */
    Target next() {
        while (true) {
            while (!current.isEmpty()) {
                Target candidate = current.pollFirst();
                if (eligible(candidate)) {
                    return candidate;
                }
            }
            String fallback = fallbackModels.pollFirst();
            if (fallback == null) {
                return null;
            }
            currentModel = fallback;
            current.addAll(planOf.apply(fallback));
        }
    }

    /**
     * Whether any target is left, building fallback models' plans as {@link #next} would, without
     * taking one. Lets a zero-data-retention call whose model has no ZDR target still fall back.
     */
    boolean anyLeft() {
        while (current.isEmpty()) {
            String fallback = fallbackModels.pollFirst();
            if (fallback == null) {
                return false;
            }
            currentModel = fallback;
            current.addAll(planOf.apply(fallback));
        }
        return true;
    }

    boolean hasMore() {
        return !current.isEmpty() || !fallbackModels.isEmpty();
    }

    private boolean eligible(Target target) {
        if (minContextWindow < 0) {
            return true;
        }
        Integer window = target.settings().contextWindow();
        return window != null && window > minContextWindow;
    }
}
