package dev.gatehouse.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A leader's proof that it still leads, checked by each write of the once-per-cluster background
 * work inside that write's own transaction (see {@link LeaderLock#fence()}). A leader paused (a
 * long GC, a frozen VM) or cut off from the database past its lease, while another node took over,
 * gets {@link FencedOutException} instead of writing.
 */
@FunctionalInterface
public interface Fence {
    /** No check: one node (SQLite), tools and tests that run the work by hand. */
    Fence NONE = connection -> {};

    /**
     * Throws {@link FencedOutException} when a newer leader exists. Call inside the write's
     * transaction: on PostgreSQL it holds a share lock on the token until the transaction ends, so
     * a node taking over waits for this write to commit, and every write after its takeover is refused.
     */
    void check(Connection connection) throws SQLException;
}
