package dev.gatehouse.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Most headroom first under each target's {@code rpm}/{@code tpm} (the provider's limits for that
 * key): headroom is the smaller of the unused shares of requests and tokens over the last minute,
 * 1.0 for a target without limits. A target at its limit sorts last rather than disappearing:
 * it may still answer, and the breaker handles it if it does not. Ties keep file order.
 */
final class UsageAwareStrategy implements Strategy {
    @Override
    public String name() {
        return "usage-aware";
    }

    @Override
    public List<Target> order(List<Target> targets, Context context) {
        List<Target> ordered = new ArrayList<>(targets);
        ordered.sort(Comparator.comparingDouble((Target t) -> headroom(t, context.health().status(t))).reversed());
        return ordered;
    }

    static double headroom(Target target, TargetStatus status) {
        double headroom = 1.0;
        Integer rpm = target.settings().rpm();
        if (rpm != null) {
            headroom = Math.min(headroom, 1.0 - (double) status.requestsLastMinute() / rpm);
        }
        Integer tpm = target.settings().tpm();
        if (tpm != null) {
            headroom = Math.min(headroom, 1.0 - (double) status.tokensLastMinute() / tpm);
        }
        return Math.max(0, headroom);
    }
}
