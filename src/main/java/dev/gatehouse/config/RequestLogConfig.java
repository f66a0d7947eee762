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
 */
public record RequestLogConfig(int queueCapacity, int batchSize, Duration flushInterval, Duration replayInterval,
        Duration retention, int retentionBatch, Set<String> bodyTeams) {
    /**
     * Batches are written at least every 100 ms: the writer shares the gateway's cores, and one
     * second's worth of rows written in one burst delayed the event loop by milliseconds (the
     * p99 at a modest fixed rate); under load the batch fills to batchSize first anyway.
     */
    public static final RequestLogConfig DEFAULTS = new RequestLogConfig(10_000, 500, Duration.ofMillis(100),
            Duration.ofSeconds(5), Duration.ofDays(30), 5_000, Set.of());

    public RequestLogConfig {
        bodyTeams = bodyTeams == null ? Set.of() : Set.copyOf(bodyTeams);
    }
}
