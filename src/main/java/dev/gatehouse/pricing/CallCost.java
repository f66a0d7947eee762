package dev.gatehouse.pricing;

import dev.gatehouse.call.Call;

/** The cost of a finished call, charged to the model that actually answered (the last successful attempt). */
public final class CallCost {
    private CallCost() {}

    /** Micro-USD; 0 when no attempt answered or no usage is known. */
    public static long of(Pricing pricing, Call call) {
        Call.Attempt answered = call.answeringAttempt();
        if (answered == null || call.usage() == null) {
            return 0;
        }
        return Pricing.cost(pricing.price(call.model(), answered.upstreamModel()), call.usage());
    }
}
