package dev.gatehouse.bench;

import dev.gatehouse.config.RequestLogConfig;
import dev.gatehouse.store.Database;
import dev.gatehouse.usage.RequestBatch;
import dev.gatehouse.usage.RequestLogStore;
import dev.gatehouse.usage.RequestRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the request log's writer spends per call (on its own thread, which shares the gateway's
 * cores): one batch of 500 calls into the embedded SQLite database, with every raw row kept
 * ({@code all}, the default) or only errors, slow calls and 1 % ({@code sampled}); the hourly
 * rollups count every call in both. Reported per call. {@code bench/jmh.sh RequestLogBench}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RequestLogBench {
    private static final int BATCH = 500;

    @Param({"all", "sampled"})
    String keep;

    Path dir;
    Database database;
    RequestLogStore store;
    long next;

    @Setup
    public void open() throws Exception {
        dir = Files.createTempDirectory("gatehouse-bench-log");
        database = Database.open(null, null, null, dir);
        store = new RequestLogStore(database, keep.equals("all") ? RequestLogConfig.RawRows.ALL
                : new RequestLogConfig.RawRows(false, 0.01, Duration.ofSeconds(5)));
    }

    @TearDown
    public void close() throws Exception {
        database.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    List<RequestRecord> batch;

    /** A fresh batch each time (new request ids, the current hour): what the writer sees under load. */
    @Setup(Level.Invocation)
    public void nextBatch() {
        long now = System.currentTimeMillis();
        batch = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            long n = next++;
            int status = n % 50 == 0 ? 503 : 200; // 2 % errors
            batch.add(new RequestRecord(String.format("req_%016x", n), now, "chat_completions", "key-" + (n % 20),
                    "user-" + (n % 20), "team-" + (n % 5), "gpt-4o-mini", "gpt-4o-mini", "openai", "strategy=priority",
                    null, status, status == 200 ? null : "OVERLOADED", 120, 40, 0, 0, 0, false, 900, 180, 60L, n % 2 == 0,
                    "10.0.0.1", "bench", n % 10 == 0 ? Map.of("feature", "search") : Map.of(),
                    List.of(new RequestRecord.Attempt("openai", "gpt-4o-mini", status, null, 180))));
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int writeBatch() {
        return store.insertBatches(List.of(RequestBatch.of(batch)));
    }
}
