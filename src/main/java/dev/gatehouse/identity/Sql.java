package dev.gatehouse.identity;

import dev.gatehouse.store.StorageException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** JDBC helpers shared by the identity stores: revision counters, nullable values, keyset paging. */
final class Sql {
    static final String KEYS = "keys";
    static final String DIRECTORY = "directory";

    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private Sql() {}

    /** Bumps a change counter inside the caller's transaction and returns its new value. */
    static long bump(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE identity_revisions SET revision = revision + 1 WHERE name = ?")) {
            ps.setString(1, name);
            ps.executeUpdate();
        }
        return revision(c, name);
    }

    static long revision(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT revision FROM identity_revisions WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < params.length; i++) {
            Object p = params[i];
            if (p == null) {
                ps.setNull(i + 1, Types.VARCHAR);
            } else if (p instanceof Long l) {
                ps.setLong(i + 1, l);
            } else if (p instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else {
                ps.setString(i + 1, p.toString());
            }
        }
        return ps;
    }

    /** Sets nulls with the right type for BIGINT/INTEGER columns (PostgreSQL refuses a VARCHAR null there). */
    static PreparedStatement prepareTyped(Connection c, String sql, Object... params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < params.length; i++) {
            Object p = params[i];
            if (p instanceof NullLong) {
                ps.setNull(i + 1, Types.BIGINT);
            } else if (p instanceof NullInt) {
                ps.setNull(i + 1, Types.INTEGER);
            } else if (p == null) {
                ps.setNull(i + 1, Types.VARCHAR);
            } else if (p instanceof Long l) {
                ps.setLong(i + 1, l);
            } else if (p instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else {
                ps.setString(i + 1, p.toString());
            }
        }
        return ps;
    }

    enum NullLong { VALUE }

    enum NullInt { VALUE }

    static Object nullableLong(Long value) {
        return value == null ? NullLong.VALUE : value;
    }

    static Object nullableInt(Integer value) {
        return value == null ? NullInt.VALUE : value;
    }

    static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepareTyped(c, sql, params)) {
            return ps.executeUpdate();
        }
    }

    static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... params) throws SQLException {
        try (PreparedStatement ps = prepareTyped(c, sql, params); ResultSet rs = ps.executeQuery()) {
            List<T> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(mapper.map(rs));
            }
            return rows;
        }
    }

    static <T> T one(Connection c, String sql, RowMapper<T> mapper, Object... params) throws SQLException {
        List<T> rows = query(c, sql, mapper, params);
        return rows.isEmpty() ? null : rows.getFirst();
    }

    /**
     * One page ordered by id: {@code where} is a condition (or "1=1"), the cursor is the last id
     * of the previous page. Fetches one row more than asked to know whether another page follows.
     */
    static <T> Page<T> page(Connection c, String table, String where, List<Object> params, int limit, String cursor,
            RowMapper<T> mapper, java.util.function.Function<T, String> idOf) throws SQLException {
        List<Object> all = new ArrayList<>(params);
        String condition = where;
        if (cursor != null) {
            condition = "(" + where + ") AND id > ?";
            all.add(cursor);
        }
        all.add(limit + 1);
        List<T> rows = query(c, "SELECT * FROM " + table + " WHERE " + condition + " ORDER BY id LIMIT ?", mapper, all.toArray());
        if (rows.size() > limit) {
            List<T> items = List.copyOf(rows.subList(0, limit));
            return new Page<>(items, idOf.apply(items.getLast()));
        }
        return new Page<>(rows, null);
    }

    static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    static Integer nullableInt(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    static String joinList(List<String> values) {
        return String.join("\n", values);
    }

    static List<String> splitList(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        return Arrays.stream(text.split("\n")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Whether a storage failure is a unique-constraint violation (a duplicate name or email). */
    static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException e) {
                if ("23505".equals(e.getSQLState())) {
                    return true;
                }
                String message = e.getMessage();
                if (message != null && message.contains("UNIQUE constraint failed")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Runs a write, turning a unique-constraint violation into a {@link ConflictException}. */
    static <T> T unique(java.util.function.Supplier<T> write, String what) {
        try {
            return write.get();
        } catch (StorageException e) {
            if (isUniqueViolation(e)) {
                throw new ConflictException(what + " already exists");
            }
            throw e;
        }
    }
}
