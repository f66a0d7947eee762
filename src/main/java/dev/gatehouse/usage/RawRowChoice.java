package dev.gatehouse.usage;

import dev.gatehouse.config.RequestLogConfig;

/**
 * Which calls keep a raw row in the request log ({@code request-log.raw-rows}). The hourly rollups
 * count every call whatever this says; only the per-call rows (the request list, a call's
 * attempts, its tags) are thinned. Failed and slow calls, and calls whose bodies a team asked to
 * keep, always keep their row: they are the ones someone will look for.
 */
final class RawRowChoice {
    private final boolean all;
    /** Calls whose request-id hash falls below this (out of 2^32) are kept. */
    private final long threshold;
    private final long slowMs;

    RawRowChoice(RequestLogConfig.RawRows rows) {
        this.all = rows.all();
        this.threshold = (long) Math.floor(rows.sample() * (1L << 32));
        this.slowMs = rows.slow().toMillis();
    }

    static final RawRowChoice ALL = new RawRowChoice(RequestLogConfig.RawRows.ALL);

    boolean keep(RequestRecord r) {
        if (all || r.failed() || r.bodies() != null || (slowMs > 0 && r.latencyMs() >= slowMs)) {
            return true;
        }
        // By the request id, not a random draw: a batch replayed from the spool decides the same way.
        return (mix(r.requestId().hashCode()) & 0xFFFF_FFFFL) < threshold;
    }

    /** Spreads a string hash evenly over 32 bits (MurmurHash3's finaliser). */
    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85eb_ca6b;
        h ^= h >>> 13;
        h *= 0xc2b2_ae35;
        h ^= h >>> 16;
        return h;
    }
}
