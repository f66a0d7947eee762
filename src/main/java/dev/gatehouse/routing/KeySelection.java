package dev.gatehouse.routing;

import dev.gatehouse.call.Call;
import java.util.List;

/**
 * Chooses whose provider key each attempt uses (BYOK): it may replace a target's provider with a
 * copy carrying the caller's team's own key. Reads memory only; runs on the event loop.
 */
@FunctionalInterface
public interface KeySelection {
    KeySelection NONE = (plan, call) -> plan;

    List<Target> apply(List<Target> plan, Call call);
}
