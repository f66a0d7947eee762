package dev.gatehouse.usage;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.call.Settlement;
import dev.gatehouse.canonical.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Turns a finished {@link Call} into its {@link RequestRecord}: cheap field copies, safe on the event loop. */
public final class RequestRecords {
    private static final int MAX_USER_AGENT = 512;

    private RequestRecords() {}

    /** @param settlement the call's final usage and cost (null: not settled, no tokens and no cost) */
    public static RequestRecord from(Call call, Throwable failure, Settlement settlement, long nowNanos, long nowMillis) {
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
        Settlement settled = settlement == null ? Settlement.NONE : settlement;
        Usage u = settled.usage() == null ? Usage.ZERO : settled.usage();
        long elapsedNanos = nowNanos - call.startNanos();
        String userAgent = call.headers() == null ? null : call.headers().get("user-agent");
        if (userAgent != null && userAgent.length() > MAX_USER_AGENT) {
            userAgent = userAgent.substring(0, MAX_USER_AGENT);
        }
        return new RequestRecord(call.requestId(), nowMillis - elapsedNanos / 1_000_000, call.endpoint().name().toLowerCase(Locale.ROOT),
                p == null || p.keyId() == null ? "" : p.keyId(),
                p == null || p.userId() == null ? "" : p.userId(),
                p == null || p.teamId() == null ? "" : p.teamId(),
                call.model() == null ? "" : call.model(),
                answered != null ? answered.upstreamModel() : call.cacheModel() != null ? call.cacheModel() : "",
                answered != null ? answered.provider() : call.cacheSaved() != null ? "cache" : "",
                call.routeReason(), path.isEmpty() ? null : path.toString(), status, errorClass,
                u.inputTokens(), u.outputTokens(), u.cachedInputTokens(), u.cacheWriteTokens(), u.reasoningTokens(),
                settled.estimated(), settled.costMicros(), elapsedNanos / 1_000_000,
                call.firstByteNanos() == 0 ? null : (call.firstByteNanos() - call.startNanos()) / 1_000_000,
                call.stream(), call.clientAddress(), userAgent, call.tags(), attempts, bodies(call),
                call.cacheStatus(), call.cacheSaved() == null ? 0 : call.cacheSaved().totalTokens(), call.cacheSavedMicros(),
                guardrails(call));
    }

    /**
     * The call's guardrail verdicts, e.g. {@code pii:input=masked[EMAIL,CREDIT_CARD]; secrets:output=passed},
     * or null when none ran. Kinds only: the values found are never part of it.
     */
    static String guardrails(Call call) {
        var verdicts = call.guardrailVerdicts();
        if (verdicts.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (var v : verdicts) {
            if (!b.isEmpty()) {
                b.append("; ");
            }
            b.append(v.guardrail()).append(':').append(v.stage()).append('=').append(v.outcome());
            if (!v.kinds().isEmpty()) {
                b.append('[').append(String.join(",", v.kinds())).append(']');
            }
        }
        return b.toString();
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
