package dev.gatehouse.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** JDBC helpers shared by the stores: parameters with typed nulls, row mapping, keyset paging. */
public final class Sql {
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private Sql() {}

    public static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
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
    public static PreparedStatement prepareTyped(Connection c, String sql, Object... params) throws SQLException {
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

    public enum NullLong { VALUE }

    public enum NullInt { VALUE }

    public static Object nullableLong(Long value) {
        return value == null ? NullLong.VALUE : value;
    }

    public static Object nullableInt(Integer value) {
        return value == null ? NullInt.VALUE : value;
    }

    public static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepareTyped(c, sql, params)) {
            return ps.executeUpdate();
        }
    }

    public static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... params) throws SQLException {
        try (PreparedStatement ps = prepareTyped(c, sql, params); ResultSet rs = ps.executeQuery()) {
            List<T> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(mapper.map(rs));
            }
            return rows;
        }
    }

    public static <T> T one(Connection c, String sql, RowMapper<T> mapper, Object... params) throws SQLException {
        List<T> rows = query(c, sql, mapper, params);
        return rows.isEmpty() ? null : rows.getFirst();
    }

    /**
     * One page ordered by id: {@code where} is a condition (or "1=1"), the cursor is the last id
     * of the previous page. Fetches one row more than asked to know whether another page follows.
     */
    public static <T> Page<T> page(Connection c, String table, String where, List<Object> params, int limit, String cursor,
            RowMapper<T> mapper, Function<T, String> idOf) throws SQLException {
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

    public static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    public static Integer nullableInt(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }
}
