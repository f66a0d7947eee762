package dev.gatehouse.limits;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Stage;
import dev.gatehouse.pricing.TokenEstimate;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate limits per key, user, team and model. Tokens are estimated at admission (request bytes / 4
 * plus the requested {@code max_tokens}) and corrected with the call's settled usage (the
 * provider's, else the gateway's estimate) when the call ends. Sets OpenAI's {@code x-ratelimit-*} headers (the most constrained limit of each kind)
 * on successes and errors; a refusal is a 429 with {@code Retry-After}.
 */
public final class RateLimitStage implements Stage {
    private final RateLimits limits;
    private final Limiter limiter;

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitStage.class);
    // Pre-encoded names: Vert.x writes them without re-validating and re-encoding each time.
    private static final CharSequence LIMIT_REQUESTS = HttpHeaders.createOptimized("x-ratelimit-limit-requests");
    private static final CharSequence REMAINING_REQUESTS = HttpHeaders.createOptimized("x-ratelimit-remaining-requests");
    private static final CharSequence RESET_REQUESTS = HttpHeaders.createOptimized("x-ratelimit-reset-requests");
    private static final CharSequence LIMIT_TOKENS = HttpHeaders.createOptimized("x-ratelimit-limit-tokens");
    private static final CharSequence REMAINING_TOKENS = HttpHeaders.createOptimized("x-ratelimit-remaining-tokens");
    private static final CharSequence RESET_TOKENS = HttpHeaders.createOptimized("x-ratelimit-reset-tokens");

    public RateLimitStage(RateLimits limits, Limiter limiter) {
        this.limits = limits;
        this.limiter = limiter;
    }

    @Override
    public Future<Void> apply(Call call) {
        List<RateLimit> applicable = limits.applicable(call.principal(), call.model());
        if (applicable.isEmpty()) {
            return Future.succeededFuture();
        }
        long estimate = TokenEstimate.typical(call.requestBytes()) + (call.maxOutputTokens() == null ? 0 : call.maxOutputTokens());
        CompletableFuture<Limiter.Decision> deciding = limiter.acquire(applicable, estimate, call.requestId());
        if (deciding.isDone() && !deciding.isCompletedExceptionally()) {
            return decide(call, deciding.join());
        }
        Context context = Vertx.currentContext();
        Future<Limiter.Decision> decision = context == null ? Future.fromCompletionStage(deciding) : Future.fromCompletionStage(deciding, context);
        return decision.recover(e -> {
                    LOG.warn("rate limit check failed for request {}: {}", call.requestId(), e.toString());
                    return Future.failedFuture(new GatewayException(ErrorType.UNAVAILABLE,
                        "Rate limits cannot be checked right now (shared state unavailable); try again shortly.", null,
                        "rate_limit_unavailable", Duration.ofSeconds(1), 0));
                })
                .compose(d -> decide(call, d));
    }

    private Future<Void> decide(Call call, Limiter.Decision decision) {
        headers(call, decision.statuses());
        if (decision.refused() != null) {
            return Future.failedFuture(refusal(decision.refused()));
        }
        Limiter.Permit permit = decision.permit();
        call.onSettled(settlement -> limiter.complete(permit, settlement.totalTokens())); // reported, else estimated, tokens
        return Future.succeededFuture();
    }

    private static void headers(Call call, List<Limiter.Status> statuses) {
        Limiter.Status requests = null;
        Limiter.Status tokens = null;
        for (Limiter.Status s : statuses) {
            if (s.kind() == Limiter.Kind.REQUESTS && (requests == null || s.remaining() < requests.remaining())) {
                requests = s;
            } else if (s.kind() == Limiter.Kind.TOKENS && (tokens == null || s.remaining() < tokens.remaining())) {
                tokens = s;
            }
        }
        if (requests != null) {
            call.responseHeader(LIMIT_REQUESTS, Long.toString(requests.limit()));
            call.responseHeader(REMAINING_REQUESTS, Long.toString(Math.max(0, requests.remaining())));
            call.responseHeader(RESET_REQUESTS, duration(requests.resetNanos()));
        }
        if (tokens != null) {
            call.responseHeader(LIMIT_TOKENS, Long.toString(tokens.limit()));
            call.responseHeader(REMAINING_TOKENS, Long.toString(Math.max(0, tokens.remaining())));
            call.responseHeader(RESET_TOKENS, duration(tokens.resetNanos()));
        }
    }

    /** OpenAI's format: "20ms", "1.5s", "6m0s". */
    static String duration(long nanos) {
        long millis = Math.max(0, Math.ceilDiv(nanos, 1_000_000L));
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            String s = BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString();
            return s + "s";
        }
        return (millis / 60_000) + "m" + ((millis % 60_000) / 1000) + "s";
    }

    private static GatewayException refusal(Limiter.Refusal r) {
        RateLimit l = r.limit();
        String what = switch (r.kind()) {
            case REQUESTS -> r.capacity() + " requests per minute";
            case TOKENS -> r.capacity() + " tokens per minute";
            case CONCURRENT -> r.capacity() + " concurrent requests";
        };
        String subject = l.scope() == Scope.MODEL ? "model " + l.subject() : l.scope().wire() + " " + l.subject();
        long waitMillis = Math.max(1, Math.ceilDiv(r.waitNanos(), 1_000_000L));
        Duration retryAfter = Duration.ofSeconds(Math.max(1, Math.ceilDiv(waitMillis, 1000L)));
        String message = "Rate limit reached for " + subject + (l.model() != null ? " on model " + l.model() : "")
                + ": " + what + " (limit " + (l.name() == null ? l.id() : "'" + l.name() + "'") + "). "
                + (r.kind() == Limiter.Kind.CONCURRENT ? "Wait for a request in flight to finish." : "Try again in " + duration(r.waitNanos()) + ".");
        return new GatewayException(ErrorType.RATE_LIMIT, message, null,
                r.kind() == Limiter.Kind.CONCURRENT ? "concurrency_limit_exceeded" : "rate_limit_exceeded", retryAfter, 0);
    }
}
