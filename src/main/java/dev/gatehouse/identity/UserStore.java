package dev.gatehouse.identity;

import dev.gatehouse.store.Page;

import dev.gatehouse.store.Sql;

import dev.gatehouse.store.Database;
import dev.gatehouse.store.SqlWork;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Users and service accounts in SQL. Methods block: call them off the event loop. */
public final class UserStore {
    private final Database db;

    public UserStore(Database db) {
        this.db = db;
    }

    public User create(String kind, String name, String email, String teamId, String role) {
        long now = System.currentTimeMillis();
        User user = new User(Ids.next(User.SERVICE.equals(kind) ? "svc" : "user"), kind, name, email, teamId, role, now, now);
        return IdentitySql.unique(() -> db.call(SqlWork.inTransaction(c -> {
            Sql.update(c, "INSERT INTO users (id, kind, name, email, team_id, role, created_at, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", user.id(), kind, name, email, teamId, role, now, now);
            IdentitySql.bump(c, IdentitySql.DIRECTORY);
            return user;
        })), "A user with the email '" + email + "'");
    }

    public Optional<User> get(String id) {
        return Optional.ofNullable(db.call(c -> Sql.one(c, "SELECT * FROM users WHERE id = ?", UserStore::map, id)));
    }

    /** @param kind null for both; @param teamId null for every team */
    public Page<User> list(String kind, String teamId, int limit, String cursor) {
        StringBuilder where = new StringBuilder("1=1");
        List<Object> params = new ArrayList<>();
        if (kind != null) {
            where.append(" AND kind = ?");
            params.add(kind);
        }
        if (teamId != null) {
            where.append(" AND team_id = ?");
            params.add(teamId);
        }
        return db.call(c -> Sql.page(c, "users", where.toString(), params, limit, cursor, UserStore::map, User::id));
    }

    public List<User> all() {
        return db.call(c -> Sql.query(c, "SELECT * FROM users ORDER BY id", UserStore::map));
    }

    /** Replaces the editable fields; returns the updated user, or empty when there is none. */
    public Optional<User> update(User changed) {
        long now = System.currentTimeMillis();
        return IdentitySql.unique(() -> db.call(SqlWork.inTransaction(c -> {
            int n = Sql.update(c, "UPDATE users SET name = ?, email = ?, team_id = ?, role = ?, updated_at = ? WHERE id = ?",
                    changed.name(), changed.email(), changed.teamId(), changed.role(), now, changed.id());
            if (n == 0) {
                return Optional.<User>empty();
            }
            IdentitySql.bump(c, IdentitySql.DIRECTORY);
            return Optional.ofNullable(Sql.one(c, "SELECT * FROM users WHERE id = ?", UserStore::map, changed.id()));
        })), "A user with the email '" + changed.email() + "'");
    }

    /** Deletes the user, revokes their keys and drops their policy attachments, in one transaction. */
    public boolean delete(String id) {
        long now = System.currentTimeMillis();
        return db.call(SqlWork.inTransaction(c -> {
            long revision = IdentitySql.bump(c, IdentitySql.KEYS);
            Sql.update(c, "UPDATE virtual_keys SET revoked_at = ?, updated_at = ?, revision = ?"
                    + " WHERE owner_type <> 'team' AND owner_id = ? AND revoked_at IS NULL", now, now, revision, id);
            Sql.update(c, "DELETE FROM policy_attachments WHERE subject_type = 'user' AND subject_id = ?", id);
            int deleted = Sql.update(c, "DELETE FROM users WHERE id = ?", id);
            IdentitySql.bump(c, IdentitySql.DIRECTORY);
            return deleted > 0;
        }));
    }

    static User map(ResultSet rs) throws SQLException {
        return new User(rs.getString("id"), rs.getString("kind"), rs.getString("name"), rs.getString("email"),
                rs.getString("team_id"), rs.getString("role"), rs.getLong("created_at"), rs.getLong("updated_at"));
    }
}
