package dev.gatehouse.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.RoutingConfig.AdaptiveFirstByte;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FirstByteDeadlineTest {
    static final long CONFIGURED = 120_000;
    final AdaptiveFirstByte settings = new AdaptiveFirstByte(true, 95, 3, Duration.ofMillis(100), 20);
    final FirstByteDeadline deadline = new FirstByteDeadline();

    void record(int times, long millis) {
        for (int i = 0; i < times; i++) {
            deadline.record(millis, settings);
        }
    }

    @Test
    void aColdTargetGetsTheConfiguredDeadline() {
        record(19, 50);
        assertThat(deadline.deadlineMillis(CONFIGURED, settings)).isEqualTo(CONFIGURED);
        record(1, 50);
        assertThat(deadline.deadlineMillis(CONFIGURED, settings)).isEqualTo(150);
    }

    @Test
    void theDeadlineIsAMultipleOfTheHighPercentileNotOfTheAverage() {
        record(95, 100);
        record(1, 400); // recomputed at the 96th sample: one slow call of 96 does not move p95
        assertThat(deadline.percentileMillis()).isEqualTo(100);
        record(16, 400); // 17 of 112 slow: p95 is now a slow call (recomputed every 16th sample)
        assertThat(deadline.percentileMillis()).isEqualTo(400);
        assertThat(deadline.deadlineMillis(CONFIGURED, settings)).isEqualTo(1200);
    }

    @Test
    void boundedByTheFloorAndTheConfiguredDeadline() {
        record(20, 10);
        assertThat(deadline.deadlineMillis(CONFIGURED, settings)).as("floor").isEqualTo(100);
        record(128, 60_000);
        assertThat(deadline.deadlineMillis(CONFIGURED, settings)).as("never above the configured one").isEqualTo(CONFIGURED);
    }

    @Test
    void onlyTheLastWindowCounts() {
        record(128, 5_000);
        record(128, 100);
        assertThat(deadline.percentileMillis()).isEqualTo(100);
    }

    @Test
    void turnedOffItIsTheConfiguredDeadline() {
        record(50, 100);
        assertThat(deadline.deadlineMillis(CONFIGURED, new AdaptiveFirstByte(false, 95, 3, Duration.ofMillis(100), 20)))
                .isEqualTo(CONFIGURED);
    }
}
