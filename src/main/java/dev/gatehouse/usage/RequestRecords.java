package dev.gatehouse.usage;

import dev.gatehouse.call.Principal;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.pricing.CallCost;
import dev.gatehouse.pricing.Pricing;
import java.util.ArrayList;
import java.util.List;

/** Turns a finished {@link Call} into its {@link RequestRecord}: cheap field copies, safe on the event loop. */
public final class RequestRecords {
    private static final int MAX_USER_AGENT = 512;

    private RequestRecords() {}

    /**
     * @param usage the call's usage, or an estimate when the provider reported none (null: no tokens)
     * @param estimated whether {@code usage} is an estimate (priced as such, flagged in the record)
     */
    public static RequestRecord from(Call call, Throwable failure, Pricing pricing, Usage usage, boolean estimated,
            long nowNanos, long nowMillis) {
        Principal p = call.principal();
        Call.Attempt answered = call.answeringAttempt();
        List<RequestRecord.Attempt> attempts = new ArrayList<>(call.attempts().size());
        StringBuilder path = new StringBuilder();
        for (Call.Attempt a : call.attempts()) {
            attempts.add(new RequestRecord.Attempt(a.provider(), a.upstreamModel(), a.status(), a.errorClass(),
                    a.durationNanos() / 1_000_000));
            if (!path.isEmpty()) {
                path.append('>');
            }
            path.append(a.provider()).append('/').append(a.upstreamModel()).append(':').append(a.status());
        }
        int status = failure == null ? 200 : failure instanceof GatewayException e ? e.status() : 500;
        String errorClass = null;
        if (failure != null) {
            Call.Attempt last = call.attempts().isEmpty() ? null : call.attempts().get(call.attempts().size() - 1);
            errorClass = last != null && last.errorClass() != null ? last.errorClass()
                    : failure instanceof GatewayException e ? e.type().name() : "INTERNAL";
        }
        Usage u = usage == null ? Usage.ZERO : usage;
        long cost = 0;
        if (answered != null && usage != null && pricing != null) {
            cost = call.usage() == usage ? CallCost.of(pricing, call)
                    : Pricing.cost(pricing.price(call.model(), answered.upstreamModel()), usage);
        }
        long elapsedNanos = nowNanos - call.startNanos();
        String userAgent = call.headers() == null ? null : call.headers().get("user-agent");
        if (userAgent != null && userAgent.length() > MAX_USER_AGENT) {
            userAgent = userAgent.substring(0, MAX_USER_AGENT);
        }
        return new RequestRecord(call.requestId(), nowMillis - elapsedNanos / 1_000_000, call.endpoint().name().toLowerCase(java.util.Locale.ROOT),
                p == null || p.keyId() == null ? "" : p.keyId(),
                p == null || p.userId() == null ? "" : p.userId(),
                p == null || p.teamId() == null ? "" : p.teamId(),
                call.model() == null ? "" : call.model(),
                answered == null ? "" : answered.upstreamModel(),
                answered == null ? "" : answered.provider(),
                call.routeReason(), path.isEmpty() ? null : path.toString(), status, errorClass,
                u.inputTokens(), u.outputTokens(), u.cachedInputTokens(), u.cacheWriteTokens(), u.reasoningTokens(),
                estimated, cost, elapsedNanos / 1_000_000,
                call.firstByteNanos() == 0 ? null : (call.firstByteNanos() - call.startNanos()) / 1_000_000,
                call.stream(), call.clientAddress(), userAgent, call.tags(), attempts, bodies(call));
    }

    /** The call's bodies when its team stores them and it is not zero-data-retention; else null. */
    static RequestRecord.Bodies bodies(Call call) {
        if (!call.storeBodies() || call.zdr()) {
            return null;
        }
        Call.CapturedBodies b = call.capturedBodies();
        return new RequestRecord.Bodies(b.request(), b.response(), b.truncated());
    }
}
