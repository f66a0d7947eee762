package dev.gatehouse.routing;

import dev.gatehouse.gateway.Call;
import java.util.List;

/**
 * Turns a route into an ordered plan of attempts. Today: the configured order (priority
 * fallback). Strategies (weighted, least-latency, cost, health) plug in here without touching
 * the executor, which only walks the plan.
 */
public final class Router {
    public List<Target> plan(Route route, Call call) {
        return route.targets();
    }
}
