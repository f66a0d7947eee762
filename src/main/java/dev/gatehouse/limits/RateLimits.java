package dev.gatehouse.limits;

import dev.gatehouse.call.Principal;
import java.util.ArrayList;
import java.util.List;

/** The rate limits in memory (see {@link ScopedRegistry}). */
public final class RateLimits extends ScopedRegistry<RateLimit> {
    public RateLimits() {
        super(RateLimit::id, RateLimit::scope, RateLimit::subject);
    }

    /** The limits a call by {@code principal} to public model {@code model} counts against. */
    public List<RateLimit> applicable(Principal principal, String model) {
        if (isEmpty()) {
            return List.of();
        }
        List<RateLimit> result = new ArrayList<>(4);
        add(result, attached(Scope.KEY, principal.keyId()), model);
        add(result, attached(Scope.USER, principal.userId()), model);
        add(result, attached(Scope.TEAM, principal.teamId()), model);
        add(result, attached(Scope.MODEL, model), model);
        return result;
    }

    private static void add(List<RateLimit> into, List<RateLimit> limits, String model) {
        for (RateLimit l : limits) {
            if (l.model() == null || l.model().equals(model)) {
                into.add(l);
            }
        }
    }
}
