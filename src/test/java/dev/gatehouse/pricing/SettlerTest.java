package dev.gatehouse.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Settlement;
import dev.gatehouse.canonical.Usage;
import io.vertx.core.MultiMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One settlement per call: every consumer gets the same object; the estimate runs once, off the caller's thread. */
class SettlerTest {
    private static final ModelPrice MINI = Pricing.shipped().price("gpt-4o-mini");

    private static Call answered(Usage reported) {
        Call call = new Call("req", Endpoint.CHAT_COMPLETIONS, MultiMap.caseInsensitiveMultiMap(), System.nanoTime());
        call.model("mini");
        call.addAttempt(new Call.Attempt("openai", "gpt-4o-mini", 200, null, 1_000_000));
        call.usage(reported);
        return call;
    }

    @Test
    void reportedUsageSettlesAtOnceOnTheCallersThreadAndEveryoneSeesTheSameObject() {
        try (Settler settler = new Settler(Pricing::shipped)) {
            Call call = answered(new Usage(1_000, 200, 0, 0, 0));
            call.usageEstimate(() -> { throw new AssertionError("no estimate when usage was reported"); });
            List<Settlement> seen = new CopyOnWriteArrayList<>();
            call.onSettled(seen::add); // the budget
            call.onSettled(seen::add); // the rate limiter
            Thread caller = Thread.currentThread();
            List<Thread> told = new CopyOnWriteArrayList<>();
            settler.settle(call, null, (c, failure) -> {
                seen.add(c.settlement());
                told.add(Thread.currentThread());
            });
            assertThat(told).containsExactly(caller);
            assertThat(seen).hasSize(3).allSatisfy(s -> assertThat(s).isSameAs(call.settlement()));
            assertThat(call.settlement().estimated()).isFalse();
            assertThat(call.settlement().costMicros()).isPositive().isEqualTo(Pricing.cost(MINI, new Usage(1_000, 200, 0, 0, 0)));
        }
    }

    @Test
    void missingUsageIsEstimatedOnceOffTheCallersThreadPricedAndFlagged() throws Exception {
        try (Settler settler = new Settler(Pricing::shipped)) {
            Call call = answered(null);
            AtomicInteger estimates = new AtomicInteger();
            List<Thread> estimatedOn = new CopyOnWriteArrayList<>();
            call.usageEstimate(() -> {
                estimates.incrementAndGet();
                estimatedOn.add(Thread.currentThread());
                return Usage.of(321, 45);
            });
            List<Settlement> seen = new CopyOnWriteArrayList<>();
            call.onSettled(seen::add);
            CompletableFuture<Settlement> told = new CompletableFuture<>();
            settler.settle(call, null, (c, failure) -> told.complete(c.settlement()));
            Settlement settlement = told.get(10, TimeUnit.SECONDS);
            assertThat(estimates).hasValue(1);
            assertThat(estimatedOn).doesNotContain(Thread.currentThread());
            assertThat(settlement.estimated()).isTrue();
            assertThat(settlement.usage()).isEqualTo(Usage.of(321, 45));
            assertThat(settlement.costMicros()).isPositive().isEqualTo(Pricing.cost(MINI, Usage.of(321, 45)));
            assertThat(seen).containsExactly(settlement);
        }
    }

    @Test
    void aFailedOrUnansweredCallIsNeverEstimated() {
        try (Settler settler = new Settler(Pricing::shipped)) {
            Call failed = answered(null);
            failed.usageEstimate(() -> { throw new AssertionError("a failed call is not estimated"); });
            settler.settle(failed, new GatewayException(ErrorType.UNAVAILABLE, "gone", null, "x"), (c, f) -> {});
            assertThat(failed.settlement()).isSameAs(Settlement.NONE);

            Call unanswered = new Call("req", Endpoint.CHAT_COMPLETIONS, MultiMap.caseInsensitiveMultiMap(), System.nanoTime());
            unanswered.usageEstimate(() -> { throw new AssertionError("nothing answered: nothing to estimate"); });
            settler.settle(unanswered, null, (c, f) -> {});
            assertThat(unanswered.settlement()).isSameAs(Settlement.NONE);
        }
    }

    @Test
    void closeWaitsForTheEstimatesStillRunning() {
        Settler settler = new Settler(Pricing::shipped);
        Call call = answered(null);
        call.usageEstimate(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Usage.of(10, 10);
        });
        List<Settlement> logged = new CopyOnWriteArrayList<>();
        settler.settle(call, null, (c, f) -> logged.add(c.settlement()));
        settler.close();
        assertThat(logged).hasSize(1).first().matches(Settlement::estimated);
    }
}
