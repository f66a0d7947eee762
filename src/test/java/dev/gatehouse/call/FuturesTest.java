package dev.gatehouse.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The shortcut operators give what Vert.x's compose and andThen give, complete or not. */
class FuturesTest {
    static final IllegalStateException BOOM = new IllegalStateException("boom");

    @Test
    void composeRunsTheStepAtOnceOnACompletedFuture() {
        Future<Integer> result = Futures.compose(Future.succeededFuture(2), v -> Future.succeededFuture(v * 21));
        assertThat(result.result()).isEqualTo(42);
    }

    @Test
    void composeSkipsTheStepAfterAFailureAndKeepsTheCause() {
        AtomicInteger ran = new AtomicInteger();
        Future<String> result = Futures.compose(Future.<Integer>failedFuture(BOOM), v -> {
            ran.incrementAndGet();
            return Future.succeededFuture("no");
        });
        assertThat(result.failed()).isTrue();
        assertThat(result.cause()).isSameAs(BOOM);
        assertThat(ran).hasValue(0);
    }

    @Test
    void aStepThatThrowsFailsTheResultInsteadOfThrowing() {
        Future<String> inline = Futures.compose(Future.succeededFuture(1), v -> {
            throw BOOM;
        });
        assertThat(inline.cause()).isSameAs(BOOM);
        Promise<Integer> later = Promise.promise();
        Future<String> deferred = Futures.compose(later.future(), v -> {
            throw BOOM;
        });
        later.complete(1);
        assertThat(deferred.cause()).isSameAs(BOOM);
    }

    @Test
    void composeOnAnIncompleteFutureWaitsForIt() {
        Promise<Integer> later = Promise.promise();
        Future<Integer> result = Futures.compose(later.future(), v -> Future.succeededFuture(v + 1));
        assertThat(result.isComplete()).isFalse();
        later.complete(41);
        assertThat(result.result()).isEqualTo(42);
    }

    @Test
    void andThenSeesTheOutcomeAndPassesItOn() {
        AtomicInteger seen = new AtomicInteger();
        Future<Integer> ok = Futures.andThen(Future.succeededFuture(7), r -> seen.set(r.result()));
        assertThat(seen).hasValue(7);
        assertThat(ok.result()).isEqualTo(7);
        Future<Integer> failed = Futures.andThen(Future.<Integer>failedFuture(BOOM), r -> seen.set(-1));
        assertThat(seen).hasValue(-1);
        assertThat(failed.cause()).isSameAs(BOOM);
        Future<Integer> thrown = Futures.andThen(Future.succeededFuture(7), r -> {
            throw BOOM;
        });
        assertThat(thrown.cause()).isSameAs(BOOM);
        Promise<Integer> later = Promise.promise();
        Future<Integer> deferred = Futures.andThen(later.future(), r -> seen.set(r.result()));
        later.complete(9);
        assertThat(seen).hasValue(9);
        assertThat(deferred.result()).isEqualTo(9);
    }
}
