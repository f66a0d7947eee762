package dev.gatehouse.limits;

import dev.gatehouse.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Rate limits in SQL (same statements on SQLite and PostgreSQL). Blocking: admin handlers, start, refresh. */
public final class RateLimitStore {
    private static final String COLUMNS = "id, name, scope, subject, model, team_id, rpm, tpm, concurrent, created_at, updated_at";

    private final Database db;

    public RateLimitStore(Database db) {
        this.db = db;
    }

    public void insert(RateLimit l) {
        db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO rate_limits (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, l.id());
                setString(ps, 2, l.name());
                ps.setString(3, l.scope().wire());
                ps.setString(4, l.subject());
                setString(ps, 5, l.model());
                setString(ps, 6, l.teamId());
                setLong(ps, 7, l.rpm());
                setLong(ps, 8, l.tpm());
                setLong(ps, 9, l.concurrent() == null ? null : l.concurrent().longValue());
                ps.setLong(10, l.createdAt());
                ps.setLong(11, l.updatedAt());
                return ps.executeUpdate();
            }
        });
    }

    public boolean update(RateLimit l) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE rate_limits SET name = ?, model = ?, rpm = ?, tpm = ?, concurrent = ?, updated_at = ? WHERE id = ?")) {
                setString(ps, 1, l.name());
                setString(ps, 2, l.model());
                setLong(ps, 3, l.rpm());
                setLong(ps, 4, l.tpm());
                setLong(ps, 5, l.concurrent() == null ? null : l.concurrent().longValue());
                ps.setLong(6, l.updatedAt());
                ps.setString(7, l.id());
                return ps.executeUpdate() == 1;
            }
        });
    }

    public boolean delete(String id) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM rate_limits WHERE id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    public Optional<RateLimit> find(String id) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM rate_limits WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    public List<RateLimit> all() {
        return list(null, null, Integer.MAX_VALUE);
    }

    /** A page ordered by id; {@code teamId} null for all teams. */
    public List<RateLimit> list(String teamId, String after, int limit) {
        return db.call(c -> {
            StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM rate_limits WHERE 1 = 1");
            if (teamId != null) {
                sql.append(" AND team_id = ?");
            }
            if (after != null) {
                sql.append(" AND id > ?");
            }
            sql.append(" ORDER BY id");
            if (limit < Integer.MAX_VALUE) {
                sql.append(" LIMIT ").append(limit);
            }
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                if (teamId != null) {
                    ps.setString(i++, teamId);
                }
                if (after != null) {
                    ps.setString(i, after);
                }
                List<RateLimit> result = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        result.add(read(rs));
                    }
                }
                return result;
            }
        });
    }

    private static RateLimit read(ResultSet rs) throws SQLException {
        long rpm = rs.getLong(7);
        Long rpmValue = rs.wasNull() ? null : rpm;
        long tpm = rs.getLong(8);
        Long tpmValue = rs.wasNull() ? null : tpm;
        int concurrent = rs.getInt(9);
        Integer concurrentValue = rs.wasNull() ? null : concurrent;
        return new RateLimit(rs.getString(1), rs.getString(2), RateLimit.Scope.parse(rs.getString(3)), rs.getString(4),
                rs.getString(5), rs.getString(6), rpmValue, tpmValue, concurrentValue, rs.getLong(10), rs.getLong(11));
    }

    private static void setString(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

    private static void setLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }
}
