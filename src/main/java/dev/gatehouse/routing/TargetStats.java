package dev.gatehouse.routing;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Live traffic statistics of one target, updated by every attempt on any event loop: in-flight
 * count, moving averages of time to first byte and duration, and one-minute request and token
 * counts. Lock-free: atomics and compare-and-set only, no allocation per update.
 */
final class TargetStats {
    /**
     * Weight of the newest sample in the moving averages. 0.2 follows a change within ~10 calls
     * while one slow outlier moves the average by a fifth of its excess only.
     */
    static final double ALPHA = 0.2;
    private static final int SECONDS = 60;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong ttft = new AtomicLong();
    private final AtomicLong duration = new AtomicLong();
    private final Window requests = new Window();
    private final Window tokens = new Window();
    /** Attempts that counted for or against the target (not the neutral ones), and the failures among them. */
    private final Window judged = new Window();
    private final Window failures = new Window();

    /** An attempt that counts for the target's error rate ended: a success or a failure. */
    void judged(boolean failure, long nowMillis) {
        judged.add(nowMillis, 1);
        if (failure) {
            failures.add(nowMillis, 1);
        }
    }

    long judgedLastMinute(long nowMillis) {
        return judged.sum(nowMillis);
    }

    long failuresLastMinute(long nowMillis) {
        return failures.sum(nowMillis);
    }

    void started(long nowMillis) {
        inFlight.incrementAndGet();
        requests.add(nowMillis, 1);
    }

    void finished(boolean success, long ttftNanos, long durationNanos, long tokenCount, long nowMillis) {
        // Never below zero, even if a finish arrives without its start (a reload between them).
        inFlight.updateAndGet(n -> n > 0 ? n - 1 : 0);
        if (tokenCount > 0) {
            tokens.add(nowMillis, tokenCount);
        }
        // Latency of failures says nothing about how fast the target answers; the breaker judges those.
        if (success) {
            if (ttftNanos > 0) {
                average(ttft, ttftNanos);
            }
            if (durationNanos > 0) {
                average(duration, durationNanos);
            }
        }
    }

    int inFlight() {
        return inFlight.get();
    }

    long ttftNanos() {
        return ttft.get();
    }

    long durationNanos() {
        return duration.get();
    }

    long requestsLastMinute(long nowMillis) {
        return requests.sum(nowMillis);
    }

    long tokensLastMinute(long nowMillis) {
        return tokens.sum(nowMillis);
    }

    private static void average(AtomicLong average, long sample) {
        average.updateAndGet(old -> old == 0 ? sample : old + Math.round((sample - old) * ALPHA));
    }

    /**
     * A sliding one-minute sum in 60 one-second buckets. A bucket is claimed for its second by a
     * compare-and-set of its stamp; two threads racing into a new second may lose a count at the
     * boundary, which is fine for a routing heuristic and cheaper than a lock.
     */
    static final class Window {
        private final AtomicLongArray stamps = new AtomicLongArray(SECONDS);
        private final AtomicLongArray counts = new AtomicLongArray(SECONDS);

        void add(long nowMillis, long n) {
            long second = nowMillis / 1000;
            int i = (int) Math.floorMod(second, (long) SECONDS);
            long stamp = stamps.get(i);
            if (stamp != second && stamps.compareAndSet(i, stamp, second)) {
                counts.set(i, 0);
            }
            counts.addAndGet(i, n);
        }

        long sum(long nowMillis) {
            long second = nowMillis / 1000;
            long sum = 0;
            for (int i = 0; i < SECONDS; i++) {
                if (second - stamps.get(i) < SECONDS) {
                    sum += counts.get(i);
                }
            }
            return sum;
        }
    }
}
