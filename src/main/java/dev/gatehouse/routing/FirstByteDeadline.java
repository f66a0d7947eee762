package dev.gatehouse.routing;

import dev.gatehouse.config.RoutingConfig.AdaptiveFirstByte;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One target's first-byte deadline, learned from its recent calls: a multiple of a high
 * percentile of its last {@link AdaptiveFirstByte#WINDOW} times to first byte, between a floor and
 * the configured deadline. A fast model then fails over after seconds instead of the two minutes a
 * slow reasoning model needs, without anyone configuring either.
 *
 * <p>A call that waited out the deadline is recorded as a time to first byte of that deadline: the
 * true one is longer, so a target that slowed down pushes its percentile, and then its deadline,
 * up instead of being cut off for good.
 *
 * <p>Cost, on the event loop: recording is an atomic increment and an array store; every 16th
 * sample also copies the 128 samples into a scratch array and sorts them (about a microsecond,
 * so well under 100 ns per call on average, without allocating; see {@code bench/jmh
 * FirstByteDeadlineBench}); reading the deadline is one volatile read. A thread that finds
 * another one sorting skips its turn, and threads racing may compute from a window one sample
 * apart, which a deadline can live with.
 */
final class FirstByteDeadline {
    private static final int WINDOW = AdaptiveFirstByte.WINDOW; // a power of two
    private static final int RECOMPUTE_EVERY = 16;

    private final AtomicLongArray samples = new AtomicLongArray(WINDOW);
    private final AtomicLong count = new AtomicLong();
    private final long[] scratch = new long[WINDOW];
    private final AtomicBoolean sorting = new AtomicBoolean();
    /** The percentile of the window in milliseconds; -1 until there are enough samples. */
    private volatile long percentileMillis = -1;

    void record(long millis, AdaptiveFirstByte settings) {
        long n = count.incrementAndGet();
        samples.set((int) ((n - 1) & (WINDOW - 1)), Math.max(1, millis));
        if (n >= settings.minSamples() && (percentileMillis < 0 || n % RECOMPUTE_EVERY == 0)
                && sorting.compareAndSet(false, true)) {
            try {
                percentileMillis = percentile((int) Math.min(n, WINDOW), settings.percentile());
            } finally {
                sorting.set(false);
            }
        }
    }

    /** The deadline for the next call: {@code configuredMillis} until learned, and never above it. */
    long deadlineMillis(long configuredMillis, AdaptiveFirstByte settings) {
        long p = percentileMillis;
        if (!settings.enabled() || p < 0) {
            return configuredMillis;
        }
        long learned = Math.max(settings.floor().toMillis(), p * settings.multiple());
        return Math.min(configuredMillis, learned);
    }

    /** The learned percentile in milliseconds, or -1 while too few calls were seen. */
    long percentileMillis() {
        return percentileMillis;
    }

    private long percentile(int size, int percentile) {
        long[] sorted = scratch;
        for (int i = 0; i < size; i++) {
            sorted[i] = samples.get(i);
        }
        Arrays.sort(sorted, 0, size);
        // Nearest rank: the smallest sample with at least percentile% of the window at or below it.
        int rank = (int) Math.ceil(percentile / 100.0 * size);
        return sorted[Math.max(0, Math.min(size, rank) - 1)];
    }
}
