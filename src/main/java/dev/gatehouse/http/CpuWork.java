package dev.gatehouse.http;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * CPU-heavy request work (tokenizing a prompt, say) run off the event loop on a small pool of
 * its own: an event loop that tokenized a 10 MB prompt stalled every request it serves, health
 * checks included, for seconds. Bounded: past {@code maxInFlight} jobs (running and waiting) a
 * new one is refused at once with a 503 instead of queueing without end. The result is
 * delivered back on the caller's event loop.
 */
public final class CpuWork {
    private final WorkerExecutor pool;
    private final int maxInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();

    public CpuWork(Vertx vertx, String name, int threads, int maxInFlight) {
        this.pool = vertx.createSharedWorkerExecutor(name, threads);
        this.maxInFlight = maxInFlight;
    }

    /** A pool of half the cores (at least one), with up to four jobs per thread in flight. */
    public static CpuWork forRequests(Vertx vertx, String name) {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        return new CpuWork(vertx, name, threads, 4 * threads);
    }

    public <T> Future<T> submit(Callable<T> work) {
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            return Future.failedFuture(new GatewayException(ErrorType.UNAVAILABLE,
                    "The gateway is busy with other requests of this kind; retry shortly.", null, "overloaded"));
        }
        return pool.executeBlocking(work, false).andThen(done -> inFlight.decrementAndGet());
    }

    /** Jobs running or waiting now. */
    public int inFlight() {
        return inFlight.get();
    }
}
