package dev.gatehouse.config;

import java.time.Duration;
import java.util.Set;

/**
 * The {@code request-log} section: how the per-request log is written and kept.
 *
 * @param queueCapacity records held in memory before spilling to the disk spool
 * @param batchSize records per database transaction
 * @param flushInterval longest a record waits in the queue when traffic is light
 * @param replayInterval how often a non-empty spool is retried
 * @param retention raw rows older than this are deleted (hourly rollups are kept); zero keeps them
 * @param retentionBatch rows deleted per transaction, so writers are never blocked for long
 * @param bodyTeams teams whose request and response bodies are stored ({@code bodies.teams}); empty: none
 * @param rawRows which calls keep a raw row ({@code raw-rows}); rollups count every call either way
 */
public record RequestLogConfig(int queueCapacity, int batchSize, Duration flushInterval, Duration replayInterval,
        Duration retention, int retentionBatch, Set<String> bodyTeams, RawRows rawRows) {

    /**
     * Which calls keep a raw row. {@code all} (the default) keeps every one; {@code sampled} keeps
     * failed calls, calls at least {@code slow} long, calls with stored bodies, and {@code sample}
     * (0 to 1) of the rest, chosen by request id so a replay decides the same way.
     */
    public record RawRows(boolean all, double sample, Duration slow) {
        public static final RawRows ALL = new RawRows(true, 0.01, Duration.ofSeconds(5));

        public RawRows {
            if (!(sample >= 0 && sample <= 1)) {
                throw new IllegalArgumentException("sample must be between 0 and 1");
            }
        }
    }
    /**
     * Batches are written at least every 100 ms: the writer shares the gateway's cores, and one
     * second's worth of rows written in one burst delayed the event loop by milliseconds (the
     * p99 at a modest fixed rate); under load the batch fills to batchSize first anyway.
     */
    public static final RequestLogConfig DEFAULTS = new RequestLogConfig(10_000, 500, Duration.ofMillis(100),
            Duration.ofSeconds(5), Duration.ofDays(30), 5_000, Set.of(), RawRows.ALL);

    public RequestLogConfig {
        bodyTeams = bodyTeams == null ? Set.of() : Set.copyOf(bodyTeams);
        rawRows = rawRows == null ? RawRows.ALL : rawRows;
    }
}
