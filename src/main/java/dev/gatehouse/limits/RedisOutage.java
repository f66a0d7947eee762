package dev.gatehouse.limits;

import io.lettuce.core.RedisCommandExecutionException;
import dev.gatehouse.store.RedisLink;
import io.lettuce.core.api.StatefulConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node can reach the Redis that holds shared limits and budgets, for the state kinds
 * whose outage policy is {@code local}. An outage starts at the first failed command (or as soon
 * as the connection is seen closed, so calls do not each wait for a command deadline) and ends
 * when a probe PING answers; then the recovery actions run (budgets settle their local spend into
 * Redis). One WARN per outage, and a gauge and counters for the metrics endpoint.
 */
public final class RedisOutage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisOutage.class);
    static final Duration PROBE_EVERY = Duration.ofMillis(250);

    private final StatefulConnection<String, String> connection;
    private final int expectedNodes;
    private final AtomicBoolean down = new AtomicBoolean();
    private final LongAdder limitsAdmitted = new LongAdder();
    private final LongAdder budgetsAdmitted = new LongAdder();
    private final List<Runnable> recoveries = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "redis-outage-probe");
        t.setDaemon(true);
        return t;
    });
    private volatile long startedAt;

    public RedisOutage(StatefulConnection<String, String> connection, int expectedNodes) {
        this.connection = connection;
        this.expectedNodes = Math.max(1, expectedNodes);
        prober.scheduleWithFixedDelay(this::probe, PROBE_EVERY.toMillis(), PROBE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** This node's share of a limit: limit ÷ expected nodes, rounded down, at least 1 unless the limit is 0. */
    public long share(long limit) {
        return limit <= 0 ? 0 : Math.max(1, limit / expectedNodes);
    }

    /** True while Redis is taken to be unreachable (local enforcement applies). */
    public boolean active() {
        if (!down.get() && !connection.isOpen()) {
            begin("connection to Redis lost");
        }
        return down.get();
    }

    /**
     * Reports a failed Redis command; returns true when it means Redis is unreachable (the caller
     * falls back), false for other failures (a script error: the caller fails as before).
     */
    public boolean failed(Throwable error) {
        Throwable e = error;
        while (e.getCause() != null && e != e.getCause() && !(e instanceof RedisCommandExecutionException)) {
            e = e.getCause();
        }
        if (e instanceof RedisCommandExecutionException && !clusterDown(e)) {
            return false;
        }
        begin(error.toString());
        return true;
    }

    /**
     * A Redis Cluster that lost a master with no replica to promote refuses every command once it
     * marks the slots uncovered ({@code CLUSTERDOWN}, with the default
     * {@code cluster-require-full-coverage yes}): that is an outage, not a script error.
     */
    private static boolean clusterDown(Throwable e) {
        String m = e.getMessage();
        return m != null && (m.startsWith("CLUSTERDOWN") || m.startsWith("TRYAGAIN"));
    }

    /** Runs after each outage ends (on the probe thread). */
    public void onRecovery(Runnable action) {
        recoveries.add(action);
    }

    public void admittedLocally(boolean budget) {
        (budget ? budgetsAdmitted : limitsAdmitted).increment();
    }

    public long limitsAdmittedLocally() {
        return limitsAdmitted.sum();
    }

    public long budgetsAdmittedLocally() {
        return budgetsAdmitted.sum();
    }

    private void begin(String why) {
        if (down.compareAndSet(false, true)) {
            startedAt = System.nanoTime();
            LOG.warn("Redis is unreachable ({}): rate limits and budgets with the 'local' outage policy are now enforced "
                    + "by this node alone, on its share (limit / {}); the others follow their policy", why, expectedNodes);
        }
    }

    private void probe() {
        if (!down.get() || !connection.isOpen()) {
            return;
        }
        if (!RedisLink.answers(connection, Duration.ofSeconds(1))) {
            return; // still down (on a cluster: until every master answers and every slot is served)
        }
        // Shared first, then the recovery actions: a call admitted meanwhile goes to Redis, none to a
        // local state that was already settled.
        down.set(false);
        for (Runnable r : recoveries) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.error("recovery after a Redis outage failed: {}", e.toString());
            }
        }
        LOG.warn("Redis is reachable again after {} s: rate limits and budgets are shared again",
                Duration.ofNanos(System.nanoTime() - startedAt).toSeconds());
    }

    @Override
    public void close() {
        prober.shutdownNow();
    }
}
