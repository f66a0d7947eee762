package dev.gatehouse.limits;

import dev.gatehouse.store.Database;
import dev.gatehouse.store.Page;
import dev.gatehouse.store.Sql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** Rate limits in SQL (same statements on SQLite and PostgreSQL). Blocking: admin handlers, start, refresh. */
public final class RateLimitStore {
    private final Database db;

    public RateLimitStore(Database db) {
        this.db = db;
    }

    public void insert(RateLimit l) {
        db.call(c -> Sql.update(c, "INSERT INTO rate_limits (id, name, scope, subject, model, team_id, rpm, tpm, concurrent,"
                + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", l.id(), l.name(), l.scope().wire(),
                l.subject(), l.model(), l.teamId(), Sql.nullableLong(l.rpm()), Sql.nullableLong(l.tpm()),
                Sql.nullableInt(l.concurrent()), l.createdAt(), l.updatedAt()));
    }

    /** @return false when no such limit */
    public boolean update(RateLimit l) {
        return db.call(c -> Sql.update(c, "UPDATE rate_limits SET name = ?, model = ?, rpm = ?, tpm = ?, concurrent = ?,"
                + " updated_at = ? WHERE id = ?", l.name(), l.model(), Sql.nullableLong(l.rpm()), Sql.nullableLong(l.tpm()),
                Sql.nullableInt(l.concurrent()), l.updatedAt(), l.id()) == 1);
    }

    public boolean delete(String id) {
        return db.call(c -> Sql.update(c, "DELETE FROM rate_limits WHERE id = ?", id) == 1);
    }

    public Optional<RateLimit> find(String id) {
        return Optional.ofNullable(db.call(c -> Sql.one(c, "SELECT * FROM rate_limits WHERE id = ?", RateLimitStore::read, id)));
    }

    public List<RateLimit> all() {
        return db.call(c -> Sql.query(c, "SELECT * FROM rate_limits ORDER BY id", RateLimitStore::read));
    }

    /** A page ordered by id; {@code teamId} null for all teams, {@code cursor} the last id of the previous page. */
    public Page<RateLimit> page(String teamId, String cursor, int limit) {
        return db.call(c -> teamId == null
                ? Sql.page(c, "rate_limits", "1 = 1", List.of(), limit, cursor, RateLimitStore::read, RateLimit::id)
                : Sql.page(c, "rate_limits", "team_id = ?", List.of(teamId), limit, cursor, RateLimitStore::read, RateLimit::id));
    }

    private static RateLimit read(ResultSet rs) throws SQLException {
        return new RateLimit(rs.getString("id"), rs.getString("name"), Scope.parse(rs.getString("scope"), Scope.RATE_LIMITS),
                rs.getString("subject"), rs.getString("model"), rs.getString("team_id"), Sql.nullableLong(rs, "rpm"),
                Sql.nullableLong(rs, "tpm"), Sql.nullableInt(rs, "concurrent"), rs.getLong("created_at"), rs.getLong("updated_at"));
    }
}
