package dev.gatehouse.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Fastest first, by moving average: time to first byte for streamed requests (what the caller
 * waits for), total duration otherwise. A target with no successful call yet scores 0 and so is
 * tried first: that is how a new or recovered target gets measured. Ties keep file order.
 */
final class LeastLatencyStrategy implements Strategy {
    @Override
    public String name() {
        return "least-latency";
    }

    @Override
    public List<Target> order(List<Target> targets, Context context) {
        boolean stream = context.call() != null && context.call().stream();
        List<Target> ordered = new ArrayList<>(targets);
        ordered.sort(Comparator.comparingLong(t -> latency(context.health().status(t), stream)));
        return ordered;
    }

    static long latency(TargetStatus status, boolean stream) {
        long primary = stream ? status.ttftNanos() : status.durationNanos();
        return primary != 0 ? primary : stream ? status.durationNanos() : status.ttftNanos();
    }
}
