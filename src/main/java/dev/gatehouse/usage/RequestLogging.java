package dev.gatehouse.usage;

import dev.gatehouse.call.CallListener;
import dev.gatehouse.config.RequestLogConfig;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.Fence;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request log as one part for the composition root: the store, the asynchronous writer (its
 * {@link #writer()} is the {@link CallListener} and the queue-depth gauge), the analytics
 * endpoints and the retention job. {@link #close} drains the queue; call it before the database closes.
 */
public final class RequestLogging implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RequestLogging.class);

    /**
     * The {@code request-log} config section, as the parts need it.
     *
     * @param retention raw rows older than this are deleted (rollups are kept); null or zero keeps them forever
     * @param retentionBatch rows deleted per transaction
     * @param rawRows which calls keep a raw row (rollups count them all)
     */
    public record Settings(RequestLogWriter.Settings writer, Duration retention, int retentionBatch,
            RequestLogConfig.RawRows rawRows) {
        public static final Settings DEFAULTS = new Settings(RequestLogWriter.Settings.DEFAULTS, Duration.ofDays(30), 5_000,
                RequestLogConfig.RawRows.ALL);

        public static Settings from(RequestLogConfig c) {
            return new Settings(new RequestLogWriter.Settings(c.queueCapacity(), c.batchSize(), c.flushInterval().toMillis(),
                    c.replayInterval().toMillis()), c.retention(), c.retentionBatch(), c.rawRows());
        }
    }

    private final RequestLogStore store;
    private final RequestLogWriter writer;
    private final UsageEndpoints endpoints;
    private final ScheduledExecutorService retentionJob;
    private final Settings settings;
    private final LongSupplier clock;
    private volatile Supplier<Fence> runsBackgroundWork = () -> Fence.NONE;

    public RequestLogging(Database database, Path dataDir, Settings settings, LongSupplier clock) {
        this.settings = settings;
        this.clock = clock;
        this.store = new RequestLogStore(database, settings.rawRows());
        Path spoolDir = (dataDir == null ? Path.of("data") : dataDir).resolve("spool");
        this.writer = new RequestLogWriter(store, new RequestSpool(spoolDir), settings.writer());
        this.endpoints = new UsageEndpoints(store, clock);
        this.retentionJob = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("gatehouse-request-log-retention").factory());
        if (settings.retention() != null && !settings.retention().isZero()) {
            retentionJob.scheduleWithFixedDelay(this::applyRetentionQuietly, 1, 60, TimeUnit.MINUTES);
        }
    }

    /**
     * With several nodes, only the leader runs the retention job (the others would repeat its
     * deletes): {@code leader} gives its fence, or null on the other nodes (see {@link dev.gatehouse.store.LeaderLock#fence()}).
     */
    public void runRetentionWhen(Supplier<Fence> leader) {
        this.runsBackgroundWork = leader;
    }

    public RequestLogStore store() {
        return store;
    }

    public RequestLogWriter writer() {
        return writer;
    }

    public UsageEndpoints endpoints() {
        return endpoints;
    }

    /** Deletes raw rows past the retention, in small batches; returns how many. */
    public long applyRetention(Fence fence) {
        if (settings.retention() == null || settings.retention().isZero()) {
            return 0;
        }
        long cutoff = clock.getAsLong() - settings.retention().toMillis();
        store.deleteBatchesBefore(cutoff, fence);
        return store.deleteBefore(cutoff, settings.retentionBatch(), Integer.MAX_VALUE, fence);
    }

    private void applyRetentionQuietly() {
        Fence fence = runsBackgroundWork.get();
        if (fence == null) {
            return; // another node leads
        }
        try {
            long deleted = applyRetention(fence);
            if (deleted > 0) {
                LOG.info("request log retention: deleted {} rows older than {}", deleted, settings.retention());
            }
        } catch (RuntimeException e) {
            LOG.debug("request log retention not applied (storage unavailable?): {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        retentionJob.shutdownNow();
        writer.close();
    }
}
