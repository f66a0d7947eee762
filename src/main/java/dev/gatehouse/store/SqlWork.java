package dev.gatehouse.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A unit of JDBC work on a pooled connection. The connection is borrowed for the duration of
 * {@link #run} and returned afterwards: do not keep it, and do not ask the {@link Database} for a
 * second connection from inside (on SQLite the pool holds a single connection).
 */
@FunctionalInterface
public interface SqlWork<T> {
    T run(Connection connection) throws SQLException;

    /**
     * Wraps {@code work} in one transaction: committed if it returns, rolled back if it throws.
     * Use as {@code db.async(SqlWork.inTransaction(c -> ...))}.
     */
    static <T> SqlWork<T> inTransaction(SqlWork<T> work) {
        return connection -> {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    connection.rollback();
                } catch (SQLException rollbackFailure) {
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        };
    }
}
