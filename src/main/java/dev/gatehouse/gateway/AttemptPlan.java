package dev.gatehouse.gateway;

import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.routing.Target;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

/**
 * The targets a call may still try, in order: the routed model's plan, then each fallback
 * model's plan, built only when reached. After a context-length error the rest of the plan is
 * re-ordered by what can hold the prompt: targets whose context window is known and larger come
 * first, then those whose window is unknown (each tried once: it may be larger); targets known to
 * be no larger than one that overflowed are skipped.
 */
final class AttemptPlan {
    private final Deque<Target> current;
    private final Deque<String> fallbackModels;
    private final Function<String, List<Target>> planOf;
    /** The largest known window that overflowed (0 after an overflow of an unknown one); -1: none. */
    private long minContextWindow = -1;

    /**
     * @param planOf the plan of a fallback public model, or an empty list when the caller may not
     *     use it (policy) or it does not exist
     */
    AttemptPlan(String model, List<Target> targets, List<String> fallbackModels, Function<String, List<Target>> planOf) {
        this.current = new ArrayDeque<>(targets);
        this.fallbackModels = new ArrayDeque<>(fallbackModels);
        this.planOf = planOf;
    }

    /** Learns from a failure: a context-length error raises the bar for the next targets. */
    void failed(Target target, UpstreamError error) {
        if (error.errorClass() != ErrorClass.CONTEXT_LENGTH) {
            return;
        }
        Integer window = target.settings().contextWindow();
        // An unknown window that overflowed says nothing about the others: every known one stays in.
        minContextWindow = Math.max(minContextWindow, window == null ? 0 : window);
        largerWindowsFirst();
    }

    /**
     * Builds every fallback model's plan now (a larger window further down beats an unknown one
     * nearer) and keeps, in plan order, the known larger windows, then the unknown ones.
     */
    private void largerWindowsFirst() {
        List<Target> rest = new ArrayList<>(current);
        for (String fallback; (fallback = fallbackModels.pollFirst()) != null; ) {
            rest.addAll(planOf.apply(fallback));
        }
        current.clear();
        for (Target t : rest) {
            if (t.settings().contextWindow() != null && t.settings().contextWindow() > minContextWindow) {
                current.addLast(t);
            }
        }
        for (Target t : rest) {
            if (t.settings().contextWindow() == null) {
                current.addLast(t);
            }
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
            current.addAll(planOf.apply(fallback));
        }
        return true;
    }

    boolean hasMore() {
        return !current.isEmpty() || !fallbackModels.isEmpty();
    }

    /** A target known to be no larger than a window that overflowed cannot hold the prompt. */
    private boolean eligible(Target target) {
        Integer window = target.settings().contextWindow();
        return minContextWindow < 0 || window == null || window > minContextWindow;
    }
}
