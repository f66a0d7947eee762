package dev.gatehouse.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import io.vertx.core.MultiMap;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How metrics, traces and the access log classify a finished call. */
class CallFactsTest {
    static Call call() {
        return new Call("req", Endpoint.CHAT_COMPLETIONS, MultiMap.caseInsensitiveMultiMap(), System.nanoTime());
    }

    static Call.Attempt attempt(String provider, String model, int status) {
        return new Call.Attempt(provider, model, status, status == 200 ? null : "UPSTREAM_ERROR", 1);
    }

    @Test
    void refusalsBeforeAnyAttemptAreNamed() {
        GatewayException budget = new GatewayException(ErrorType.INSUFFICIENT_QUOTA, "spent", null, "insufficient_quota",
                Duration.ofSeconds(60), 0);
        GatewayException limit = new GatewayException(ErrorType.RATE_LIMIT, "slow down", null, "rate_limit_exceeded");
        GatewayException zdr = new GatewayException(ErrorType.PERMISSION, "zdr", "model", "zdr_no_target");
        assertThat(CallFacts.rejection(call(), budget)).isEqualTo("budget");
        assertThat(CallFacts.rejection(call(), limit)).isEqualTo("rate_limit");
        assertThat(CallFacts.rejection(call(), zdr)).isEqualTo("zdr");
        assertThat(CallFacts.rejection(call(), null)).isNull();
        // An upstream's 429 after an attempt is not the gateway refusing.
        Call upstreamLimited = call();
        upstreamLimited.addAttempt(attempt("a", "m", 429));
        assertThat(CallFacts.rejection(upstreamLimited, limit)).isNull();
    }

    @Test
    void statusesAndErrorTypes() {
        assertThat(CallFacts.status(null)).isEqualTo(200);
        assertThat(CallFacts.status(new GatewayException(ErrorType.NOT_FOUND, "x", null, "model_not_found"))).isEqualTo(404);
        assertThat(CallFacts.status(new GatewayException(ErrorType.INVALID_REQUEST, "gone", null, "client_closed_request"))).isEqualTo(499);
        assertThat(CallFacts.status(new IllegalStateException("bug"))).isEqualTo(500);
        assertThat(CallFacts.statusClass(503)).isEqualTo("5xx");
        assertThat(CallFacts.errorType(call(), new IllegalStateException("secret prompt"))).isEqualTo("internal_error");
    }

    @Test
    void retriesStayOnATargetFallbacksMoveOn() {
        List<Call.Attempt> path = List.of(attempt("a", "gpt-4o", 500), attempt("a", "gpt-4o", 500),
                attempt("b", "gpt-4o", 500), attempt("b", "gpt-4o-mini", 200));
        assertThat(CallFacts.retries(path)).isEqualTo(1);
        assertThat(CallFacts.fallbacks(path)).isEqualTo(2);
        assertThat(CallFacts.retries(List.of())).isZero();
        assertThat(CallFacts.fallbacks(List.of())).isZero();
        Call call = call();
        path.forEach(call::addAttempt);
        assertThat(CallFacts.decisive(call).upstreamModel()).isEqualTo("gpt-4o-mini");
        assertThat(call.attemptEndNanos(3)).isGreaterThanOrEqualTo(call.attemptEndNanos(0));
    }
}
