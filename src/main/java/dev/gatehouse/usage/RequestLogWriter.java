package dev.gatehouse.usage;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallListener;
import dev.gatehouse.call.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one request-log record per finished call, off the request path. {@link #completed}
 * (event loop) builds the record and offers it to a bounded queue; one background thread drains
 * the queue in batches into {@link RequestLogStore} (raw rows and rollups in one transaction).
 * When the database refuses a batch, the batch goes to the local {@link RequestSpool} and is
 * replayed once the database takes writes again; a full queue also spills to the spool, so no
 * record is dropped. The spill is written by a thread of its own, in batches: an event loop that
 * found the queue full only hands the record over (a file append per record on the event loop,
 * under the spool's lock, made an overloaded writer slow the event loops down in turn).
 * {@link #close} drains the queue and the spill before returning.
 */
public final class RequestLogWriter implements CallListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RequestLogWriter.class);

    /**
     * @param queueCapacity records held in memory before spilling to disk
     * @param batchSize records per database transaction
     * @param flushMillis longest a record waits in the queue when traffic is light
     * @param replayMillis how often the spool is retried while it holds records
     */
    public record Settings(int queueCapacity, int batchSize, long flushMillis, long replayMillis) {
        public static final Settings DEFAULTS = new Settings(10_000, 500, 100, 5_000);
    }

    private final RequestLogStore store;
    private final RequestSpool spool;
    private final Settings settings;
    private final BlockingQueue<RequestRecord> queue;

    private final Thread thread;
    /** Records that found the queue full, waiting for the spill thread to append them to the spool. */
    private final ConcurrentLinkedQueue<RequestRecord> overflow = new ConcurrentLinkedQueue<>();
    private final AtomicInteger overflowSize = new AtomicInteger();
    private final AtomicBoolean spillScheduled = new AtomicBoolean();
    private final ExecutorService spiller;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong spooled = new AtomicLong();
    private final AtomicLong replayed = new AtomicLong();
    private final AtomicLong overflowed = new AtomicLong();
    private final AtomicLong failedBatches = new AtomicLong();
    private volatile boolean closing;
    private volatile boolean databaseDown;
    private long nextReplay;

    public RequestLogWriter(RequestLogStore store, RequestSpool spool, Settings settings) {
        this(store, spool, settings, Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().daemon().name("gatehouse-request-spill").unstarted(r)));
    }

    /** @param spiller runs the spills of a full queue to the spool, one at a time (closed by {@link #close}) */
    public RequestLogWriter(RequestLogStore store, RequestSpool spool, Settings settings, ExecutorService spiller) {
        this.spiller = spiller;
        this.store = store;
        this.spool = spool;
        this.settings = settings;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.thread = Thread.ofPlatform().daemon().name("gatehouse-request-log").start(this::run);
    }

    @Override
    public void completed(Call call, Throwable failure) {
        if (call.endpoint() == Endpoint.MODELS || call.endpoint() == Endpoint.COUNT_TOKENS) {
            return; // listings and token counts cost nothing and would only crowd the log
        }
        RequestRecord record;
        try {
            // Told once the call is settled: its tokens and cost (reported or estimated) are the
            // ones the budget charged. After an estimate that is a little later: the call's end is
            // taken from the call, not the clock.
            long now = System.nanoTime();
            long end = call.endNanos() == 0 ? now : call.endNanos();
            record = RequestRecords.from(call, failure, call.settlement(), end,
                    System.currentTimeMillis() - (now - end) / 1_000_000);
        } catch (RuntimeException e) {
            LOG.error("request log record for {} not built", call.requestId(), e);
            return;
        }
        offer(record);
    }

    /**
     * Queues a record. When the queue is full the record is handed to the spill thread, which
     * appends what has gathered to the disk spool in one write; when that hand-over is full too
     * (the disk cannot keep up either), or the writer is closing, the record is spooled here.
     */
    public void offer(RequestRecord record) {
        if (!closing && queue.offer(record)) {
            return;
        }
        overflowed.incrementAndGet();
        if (!closing && overflowSize.incrementAndGet() <= settings.queueCapacity()) {
            overflow.add(record);
            if (spillScheduled.compareAndSet(false, true)) {
                try {
                    spiller.execute(this::spill);
                } catch (RejectedExecutionException e) { // closed meanwhile: close() spools what is left
                    spillScheduled.set(false);
                }
            }
            return;
        }
        if (!closing) {
            overflowSize.decrementAndGet();
        }
        spool(RequestBatch.of(List.of(record)));
    }

    /** Appends every record handed over so far to the spool, in batches of the configured size. */
    private void spill() {
        spillScheduled.set(false); // a record added from here on schedules another run
        List<RequestRecord> batch = new ArrayList<>();
        for (RequestRecord r; (r = overflow.poll()) != null; ) {
            overflowSize.decrementAndGet();
            batch.add(r);
            if (batch.size() >= settings.batchSize()) {
                spool(RequestBatch.of(batch));
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            spool(RequestBatch.of(batch));
        }
    }

    private void run() {
        List<RequestRecord> batch = new ArrayList<>(settings.batchSize());
        while (!closing || !queue.isEmpty()) {
            try {
                RequestRecord first = queue.poll(Math.min(settings.flushMillis(), 200), TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, settings.batchSize() - 1);
                    // Fill the batch for up to flushMillis: fewer, larger transactions under light traffic.
                    // Collect in bulk every few milliseconds rather than waking up for each record: a
                    // wake-up per request costs the event loops a futex call each and this thread a
                    // context switch each, which under load was most of the request log's cost.
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.flushMillis());
                    while (batch.size() < settings.batchSize() && !closing) {
                        queue.drainTo(batch, settings.batchSize() - batch.size());
                        long left = deadline - System.nanoTime();
                        if (batch.size() >= settings.batchSize() || left <= 0) {
                            break;
                        }
                        LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)));
                    }
                    RequestBatch records = RequestBatch.of(batch);
                    batch.clear();
                    write(records);
                }
                maybeReplay(false);
            } catch (InterruptedException e) {
                if (!closing) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } catch (RuntimeException e) {
                LOG.error("request log writer error", e);
            }
        }
    }

    private void write(RequestBatch batch) {
        try {
            store.insertBatches(List.of(batch));
            written.addAndGet(batch.records().size());
            if (databaseDown) {
                databaseDown = false;
                LOG.info("request log: database reachable again, replaying the spool");
                maybeReplay(true);
            }
        } catch (RuntimeException e) {
            failedBatches.incrementAndGet();
            if (!databaseDown) {
                LOG.warn("request log: database unavailable, spooling to {}: {}", spool.file(), e.getMessage());
            }
            databaseDown = true;
            spool(batch); // with its id: if the database did take it after all, the replay adds nothing
        }
    }

    private void spool(RequestBatch batch) {
        try {
            spool.append(batch);
            spooled.addAndGet(batch.records().size());
        } catch (RuntimeException e) {
            LOG.error("request log: {} records lost, neither the database nor the spool took them: {}", batch.records().size(),
                    e.getMessage());
        }
    }

    /** Replays the spool at most every replayMillis (or now when forced); a failure leaves it for later. */
    private void maybeReplay(boolean force) {
        long now = System.currentTimeMillis();
        if (!force && now < nextReplay) {
            return;
        }
        nextReplay = now + settings.replayMillis();
        if (spool.isEmpty()) {
            return;
        }
        try {
            long n = replaySpool();
            databaseDown = false;
            if (n > 0) {
                LOG.info("request log: replayed {} spooled records", n);
            }
        } catch (RuntimeException e) {
            databaseDown = true;
            LOG.debug("request log: spool not replayed yet: {}", e.getMessage());
        }
    }

    /** Tries the spool now (tests, operators); returns how many records were replayed. Not for the event loop. */
    public long replayNow() {
        return replaySpool();
    }

    private long replaySpool() {
        long n = spool.replay(settings.batchSize(), group -> {
            store.insertBatches(group);
            written.addAndGet(group.stream().mapToLong(b -> b.records().size()).sum());
        });
        replayed.addAndGet(n);
        return n;
    }

    /** Records waiting in memory: the queue depth gauge. */
    public int queueDepth() {
        return queue.size();
    }

    public int queueCapacity() {
        return settings.queueCapacity();
    }

    /** Records stored in the database so far (directly or by replay). */
    public long written() {
        return written.get();
    }

    /** Records written to the disk spool so far (database down or queue full). */
    public long spooled() {
        return spooled.get();
    }

    public long replayed() {
        return replayed.get();
    }

    /** Records that found the queue full and went to the spool instead. */
    public long overflowed() {
        return overflowed.get();
    }

    /** Batches the database refused. */
    public long failedBatches() {
        return failedBatches.get();
    }

    public boolean databaseDown() {
        return databaseDown;
    }

    public RequestSpool spool() {
        return spool;
    }

    /** Stops taking records into the queue, writes everything queued (or spools it), then returns. */
    @Override
    public void close() {
        closing = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        spiller.shutdown();
        try {
            spiller.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        spill(); // whatever the spill thread did not get to
        List<RequestRecord> rest = new ArrayList<>();
        queue.drainTo(rest);
        if (!rest.isEmpty()) { // the writer did not finish in time: keep them on disk
            spool(RequestBatch.of(rest));
        }
    }
}
