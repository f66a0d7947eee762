package dev.gatehouse.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Buckets in use are kept with what they have counted; idle ones are swept away. */
class MemoryBucketsTest {
    private static final long MINUTE = 60_000_000_000L;

    @Test
    void aBucketInUseKeepsItsCountAndAnIdleOneIsDropped() {
        // The sweep follows the given clock; bucket4j refills in real time (60 a minute: one a
        // second, far more than this test takes), so "empty" stays empty while the test runs.
        AtomicLong now = new AtomicLong(1_000);
        MemoryBuckets buckets = new MemoryBuckets(now::get);
        assertThat(buckets.tryConsume("busy", 60, 60).join().isConsumed()).isTrue();
        assertThat(buckets.tryConsume("idle", 60, 60).join().isConsumed()).isTrue();

        // A minute and a half on, then another: "busy" is asked at each step, "idle" never again.
        now.addAndGet(MINUTE * 3 / 2);
        assertThat(buckets.tryConsume("busy", 60, 5).join().isConsumed()).isFalse();
        now.addAndGet(MINUTE * 3 / 2); // past the sweep time, "idle" unused for 3 minutes
        assertThat(buckets.tryConsume("busy", 60, 5).join().isConsumed()).as("still the same, empty bucket").isFalse();
        assertThat(buckets.size()).as("only the bucket in use is left").isEqualTo(1);
        assertThat(buckets.tryConsume("idle", 60, 60).join().isConsumed()).as("a new, full bucket").isTrue();
    }
}
