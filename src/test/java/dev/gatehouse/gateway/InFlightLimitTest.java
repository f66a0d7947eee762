package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The in-flight counter as a stopping node uses it: no call admitted once draining, and a wait for the rest. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class InFlightLimitTest {

    @Test
    void aDrainingLimitAdmitsNoCallAndSaysSoInsteadOfOverloaded() {
        InFlightLimit limit = new InFlightLimit(() -> 2);
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isFalse();
        assertThat(limit.refusal().code()).isEqualTo("overloaded");
        assertThat(limit.refused()).isEqualTo(1);
        limit.release();

        limit.drain();
        assertThat(limit.draining()).isTrue();
        assertThat(limit.tryAcquire()).as("a free slot, but the node is stopping").isFalse();
        assertThat(limit.inFlight()).as("the refused call holds no slot").isEqualTo(1);
        assertThat(limit.refusal().code()).isEqualTo("draining");
        assertThat(limit.refusal().status()).isEqualTo(503);
        assertThat(limit.refusal().retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(limit.refused()).as("a drain is not an overload").isEqualTo(1);

        // The node's own requests for a call in flight are admitted, within the limit.
        assertThat(limit.tryAcquireWhileDraining()).isTrue();
        assertThat(limit.inFlight()).isEqualTo(2);
        assertThat(limit.tryAcquireWhileDraining()).as("the limit still holds").isFalse();
        assertThat(limit.inFlight()).isEqualTo(2);
    }

    @Test
    void awaitIdleReturnsWhenTheLastCallEndsOrAtTheDeadline() throws Exception {
        InFlightLimit limit = new InFlightLimit(() -> 10);
        assertThat(limit.awaitIdle(Duration.ZERO)).as("nothing in flight").isTrue();
        assertThat(limit.tryAcquire()).isTrue();
        limit.drain();

        long t0 = System.nanoTime();
        assertThat(limit.awaitIdle(Duration.ofMillis(200))).as("a call still in flight").isFalse();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(limit.awaitIdle(Duration.ZERO)).as("drain-timeout 0s: no wait").isFalse();

        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            limit.release();
        });
        t0 = System.nanoTime();
        assertThat(limit.awaitIdle(Duration.ofSeconds(10))).isTrue();
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(waited).as("returned when the call ended, not at the deadline").isBetween(250L, 5_000L);
    }
}
