package dev.gatehouse.identity;

import dev.gatehouse.store.Database;
import dev.gatehouse.store.Page;
import dev.gatehouse.store.Sql;
import dev.gatehouse.store.SqlWork;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** Teams in SQL. Methods block: call them off the event loop (admin handlers run on virtual threads). */
public final class TeamStore {
    private final Database db;

    public TeamStore(Database db) {
        this.db = db;
    }

    public Team create(String name) {
        long now = System.currentTimeMillis();
        Team team = new Team(Ids.next("team"), name, now, now);
        return IdentitySql.unique(() -> db.call(SqlWork.inTransaction(c -> {
            Sql.update(c, "INSERT INTO teams (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    team.id(), team.name(), now, now);
            IdentitySql.bump(c, IdentitySql.DIRECTORY);
            return team;
        })), "A team named '" + name + "'");
    }

    public Optional<Team> get(String id) {
        return Optional.ofNullable(db.call(c -> Sql.one(c, "SELECT * FROM teams WHERE id = ?", TeamStore::map, id)));
    }

    public Optional<Team> byName(String name) {
        return Optional.ofNullable(db.call(c -> Sql.one(c, "SELECT * FROM teams WHERE name = ?", TeamStore::map, name)));
    }

    public Page<Team> list(int limit, String cursor) {
        return db.call(c -> Sql.page(c, "teams", "1=1", List.of(), limit, cursor, TeamStore::map, Team::id));
    }

    public List<Team> all() {
        return db.call(c -> Sql.query(c, "SELECT * FROM teams ORDER BY id", TeamStore::map));
    }

    public Optional<Team> rename(String id, String name) {
        long now = System.currentTimeMillis();
        return IdentitySql.unique(() -> db.call(SqlWork.inTransaction(c -> {
            if (Sql.update(c, "UPDATE teams SET name = ?, updated_at = ? WHERE id = ?", name, now, id) == 0) {
                return Optional.<Team>empty();
            }
            IdentitySql.bump(c, IdentitySql.DIRECTORY);
            return Optional.ofNullable(Sql.one(c, "SELECT * FROM teams WHERE id = ?", TeamStore::map, id));
        })), "A team named '" + name + "'");
    }

    /**
     * Deletes an empty team. A team that still has users, service accounts, active keys or
     * policies is refused, so nothing is left pointing at a team that no longer exists.
     *
     * @return false when there is no such team
     */
    public boolean delete(String id) {
        long now = System.currentTimeMillis();
        return db.call(SqlWork.inTransaction(c -> {
            long users = count(c, "SELECT COUNT(*) FROM users WHERE team_id = ?", id);
            long keys = count(c, "SELECT COUNT(*) FROM virtual_keys WHERE team_id = ? AND revoked_at IS NULL"
                    + " AND (expires_at IS NULL OR expires_at > ?)", id, now);
            long policies = count(c, "SELECT COUNT(*) FROM access_policies WHERE team_id = ?", id);
            if (users + keys + policies > 0) {
                throw new ConflictException("The team still has " + users + " users or service accounts, " + keys
                        + " active keys and " + policies + " policies; remove or revoke them first");
            }
            Sql.update(c, "DELETE FROM policy_attachments WHERE subject_type = 'team' AND subject_id = ?", id);
            int deleted = Sql.update(c, "DELETE FROM teams WHERE id = ?", id);
            if (deleted > 0) {
                IdentitySql.bump(c, IdentitySql.DIRECTORY);
            }
            return deleted > 0;
        }));
    }

    static long count(Connection c, String sql, Object... params) throws SQLException {
        return Sql.one(c, sql, rs -> rs.getLong(1), params);
    }

    static Team map(ResultSet rs) throws SQLException {
        return new Team(rs.getString("id"), rs.getString("name"), rs.getLong("created_at"), rs.getLong("updated_at"));
    }
}
