package dev.gatehouse.routing;

import dev.gatehouse.gateway.Call;
import java.util.List;

/**
 * Turns a route into an ordered plan of attempts. Today: the configured order (priority
 * fallback), then the key selection (a team's own provider keys). Strategies (weighted,
 * least-latency, cost, health) plug in here without touching the executor, which only walks the plan.
 */
public final class Router {
    private final KeySelection keys;

    public Router() {
        this(KeySelection.NONE);
    }

    public Router(KeySelection keys) {
        this.keys = keys;
    }

    public List<Target> plan(Route route, Call call) {
        return keys.apply(route.targets(), call);
    }
}
