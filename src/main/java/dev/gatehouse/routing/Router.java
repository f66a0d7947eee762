package dev.gatehouse.routing;

import dev.gatehouse.access.AccessRules;
import dev.gatehouse.gateway.AuthorizeStage;
import dev.gatehouse.gateway.Call;
import java.util.ArrayList;
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
        return keys.apply(allowed(route.targets(), call), call);
    }

    /**
     * The targets whose provider the caller's policies allow, in order. A denied provider's
     * targets are skipped (fallback goes to the next allowed one); none left is a 403 naming the
     * policy that denied the first.
     */
    static List<Target> allowed(List<Target> targets, Call call) {
        AccessRules rules = call.principal() == null ? AccessRules.ALLOW_ALL : call.principal().rules();
        if (rules == AccessRules.ALLOW_ALL) {
            return targets;
        }
        String endpoint = AuthorizeStage.endpointName(call.endpoint());
        List<Target> allowed = new ArrayList<>(targets.size());
        AccessRules.Denial first = null;
        for (Target target : targets) {
            AccessRules.Denial denial = rules.checkRequest(endpoint, call.model(), target.provider().name(), call.maxOutputTokens());
            if (denial == null) {
                allowed.add(target);
            } else if (first == null) {
                first = denial;
            }
        }
        if (allowed.isEmpty() && first != null) {
            throw AuthorizeStage.denied(first);
        }
        return allowed;
    }
}
