package dev.gatehouse.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which node runs the background work that must run once per cluster, not once per node
 * (retention deletes, purges). On PostgreSQL the leader is the node whose own connection holds a
 * session advisory lock keyed by the schema, so gateways in other schemas of the same database do
 * not compete. PostgreSQL drops the lock when that connection ends, so when the leader dies
 * (killed, its machine lost) another node takes over at its next try, within
 * {@link #RETRY_MILLIS}; a leader that loses its connection stops leading at once. On SQLite
 * (one node) this node always leads.
 *
 * <p>A leader only notices at its next check that it lost the lock, and a paused process notices
 * nothing, so each lease comes with a fencing token: the node that takes the lock increments
 * {@code cluster_leader.token} and keeps the new value; the writes of the background work check
 * it in their own transaction ({@link #fence()}) and are refused once a newer leader took its token.
 */
public final class LeaderLock implements AutoCloseable {
    static final long RETRY_MILLIS = 2_000;
    private static final Logger LOG = LoggerFactory.getLogger(LeaderLock.class);
    private static final String TRY_LOCK = "SELECT pg_try_advisory_lock(hashtext('gatehouse-leader:' || current_schema()))";
    private static final String NEXT_TOKEN = "UPDATE cluster_leader SET token = token + 1 WHERE id = 1 RETURNING token";
    private static final String CURRENT_TOKEN = "SELECT token FROM cluster_leader WHERE id = 1 FOR SHARE";

    private final Database database;
    private final ScheduledExecutorService scheduler;
    private Connection connection; // only the scheduler's thread touches it
    private volatile boolean leader;
    private volatile long token;

    private LeaderLock(Database database) {
        this.database = database;
        this.leader = database.dialect() != Dialect.POSTGRESQL;
        this.scheduler = leader ? null : Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("gatehouse-leader").factory());
    }

    /** Starts trying (in the background) to become the leader. */
    public static LeaderLock start(Database database) {
        LeaderLock lock = new LeaderLock(database);
        if (lock.scheduler != null) {
            lock.scheduler.scheduleWithFixedDelay(lock::tick, 0, RETRY_MILLIS, TimeUnit.MILLISECONDS);
        }
        return lock;
    }

    /** Whether this node runs the once-per-cluster background work now. Memory only. */
    public boolean isLeader() {
        return leader;
    }

    /** The fencing token of this node's lease (0 on SQLite or before it first leads). */
    public long token() {
        return token;
    }

    /**
     * The fence for a run of background work: null when this node does not lead now (skip the
     * work), otherwise a check each write makes in its transaction, refused once another node has
     * taken over since. Take it when the run starts, not per write: a run that outlives its lease
     * must be stopped by it.
     */
    public Fence fence() {
        if (!leader) {
            return null;
        }
        if (database.dialect() != Dialect.POSTGRESQL) {
            return Fence.NONE; // one node: nobody to be fenced from
        }
        long mine = token;
        return connection -> {
            try (PreparedStatement st = connection.prepareStatement(CURRENT_TOKEN); ResultSet rs = st.executeQuery()) {
                long current = rs.next() ? rs.getLong(1) : -1;
                if (current != mine) {
                    throw new FencedOutException(mine, current);
                }
            }
        };
    }

    private void tick() {
        try {
            if (connection == null) {
                connection = database.dedicatedConnection();
                try (PreparedStatement st = connection.prepareStatement(TRY_LOCK); ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        // The next token, before leading: from its commit on, the previous leader's writes are refused.
                        try (PreparedStatement next = connection.prepareStatement(NEXT_TOKEN); ResultSet t = next.executeQuery()) {
                            t.next();
                            token = t.getLong(1);
                        }
                        leader = true;
                        LOG.info("this node now runs the cluster's background work (retention, purges), fencing token {}", token);
                    } else {
                        drop(); // another node leads: try again later with a fresh connection
                    }
                }
            } else if (!connection.isValid(2)) {
                throw new SQLException("leader connection lost");
            }
        } catch (SQLException | StorageException e) {
            if (leader) {
                LOG.warn("this node no longer runs the cluster's background work: {}", e.getMessage());
            }
            drop();
        }
    }

    private void drop() {
        leader = database.dialect() != Dialect.POSTGRESQL;
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // gone anyway
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            drop();
        }
    }
}
