package dev.gatehouse.call;

import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A per-call deadline that never fires: Vert.x setTimer + cancelTimer against Deadlines
 * schedule + cancel, on the event loop, with {@value #IN_FLIGHT} others pending (about what 10k
 * calls/s with three or four deadlines each keep in flight). One op = schedule one, cancel the
 * oldest. Lives in the gateway's package because Deadlines is package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class DeadlinesBench {
    static final int IN_FLIGHT = 2048;
    static final int BATCH = 1000;
    static final long DELAY_MILLIS = 60_000;
    static final Runnable NOTHING = () -> {};

    Vertx vertx;
    ContextInternal loop;
    Deadlines deadlines;
    long[] timerIds = new long[IN_FLIGHT];
    Deadlines.Deadline[] pending = new Deadlines.Deadline[IN_FLIGHT];
    int next;

    @Setup
    public void setup() throws Exception {
        vertx = Vertx.vertx();
        loop = (ContextInternal) vertx.getOrCreateContext();
        onLoop(() -> {
            deadlines = Deadlines.current(vertx);
            for (int i = 0; i < IN_FLIGHT; i++) {
                timerIds[i] = vertx.setTimer(DELAY_MILLIS, id -> {});
                pending[i] = deadlines.schedule(DELAY_MILLIS, NOTHING);
            }
        });
    }

    @TearDown
    public void tearDown() {
        vertx.close().await();
    }

    void onLoop(Runnable work) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.runOnContext(v -> {
            work.run();
            done.complete(null);
        });
        done.get(10, TimeUnit.SECONDS);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void vertxSetAndCancelTimer() throws Exception {
        onLoop(() -> {
            for (int i = 0; i < BATCH; i++) {
                int slot = next++ & (IN_FLIGHT - 1);
                vertx.cancelTimer(timerIds[slot]);
                timerIds[slot] = vertx.setTimer(DELAY_MILLIS, id -> {});
            }
        });
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void deadlinesScheduleAndCancel() throws Exception {
        onLoop(() -> {
            for (int i = 0; i < BATCH; i++) {
                int slot = next++ & (IN_FLIGHT - 1);
                pending[slot].cancel();
                pending[slot] = deadlines.schedule(DELAY_MILLIS, NOTHING);
            }
        });
    }

    /** The cost of the hop onto the event loop alone, to subtract from both. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void hopOnly() throws Exception {
        onLoop(() -> {});
    }
}
