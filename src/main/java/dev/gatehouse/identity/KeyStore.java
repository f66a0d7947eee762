package dev.gatehouse.identity;

import dev.gatehouse.identity.ApiKeys;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.Page;
import dev.gatehouse.store.Sql;
import dev.gatehouse.store.SqlWork;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Virtual keys in SQL. Only hashes are stored; the secret exists in the {@link IssuedKey}
 * returned by {@link #create} and {@link #rotate}, and nowhere else. Keys are revoked, never
 * deleted, so every change reaches other nodes through the incremental reload by revision.
 */
public final class KeyStore {
    /** How much of the secret is kept for listings: "gh-" and 7 characters, far too little to guess the rest. */
    static final int DISPLAY_CHARS = 10;

    private final Database db;

    public KeyStore(Database db) {
        this.db = db;
    }

    /** What a new key is for. @param expiresAt epoch millis or null */
    public record NewKey(String name, String ownerType, String ownerId, String teamId, Long expiresAt) {}

    public IssuedKey create(NewKey spec) {
        return db.call(SqlWork.inTransaction(c -> insert(c, spec)));
    }

    private static IssuedKey insert(Connection c, NewKey spec) throws SQLException {
        long now = System.currentTimeMillis();
        String secret = ApiKeys.generate(VirtualKey.KEY_PREFIX);
        long revision = IdentitySql.bump(c, IdentitySql.KEYS);
        VirtualKey key = new VirtualKey(Ids.next("key"), ApiKeys.sha256Hex(secret), secret.substring(0, DISPLAY_CHARS) + "…",
                spec.name(), spec.ownerType(), spec.ownerId(), spec.teamId(), spec.expiresAt(), null, null, null, now, now, revision);
        Sql.update(c, "INSERT INTO virtual_keys (id, key_hash, display_prefix, name, owner_type, owner_id, team_id, expires_at,"
                        + " created_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                key.id(), key.keyHash(), key.displayPrefix(), key.name(), key.ownerType(), key.ownerId(), key.teamId(),
                Sql.nullableLong(key.expiresAt()), now, now, revision);
        return new IssuedKey(key, secret);
    }

    public Optional<VirtualKey> get(String id) {
        return Optional.ofNullable(db.call(c -> Sql.one(c, "SELECT * FROM virtual_keys WHERE id = ?", KeyStore::map, id)));
    }

    /**
     * @param teamId only this team's keys, or null
     * @param userId only keys owned by this user or service account, or null
     */
    public Page<VirtualKey> list(String teamId, String userId, int limit, String cursor) {
        StringBuilder where = new StringBuilder("1=1");
        List<Object> params = new ArrayList<>();
        if (teamId != null) {
            where.append(" AND team_id = ?");
            params.add(teamId);
        }
        if (userId != null) {
            where.append(" AND owner_type <> 'team' AND owner_id = ?");
            params.add(userId);
        }
        return db.call(c -> Sql.page(c, "virtual_keys", where.toString(), params, limit, cursor, KeyStore::map, VirtualKey::id));
    }

    /** Revokes the key now (idempotent). Empty when there is no such key. */
    public Optional<VirtualKey> revoke(String id) {
        long now = System.currentTimeMillis();
        return db.call(SqlWork.inTransaction(c -> {
            VirtualKey key = Sql.one(c, "SELECT * FROM virtual_keys WHERE id = ?", KeyStore::map, id);
            if (key == null) {
                return Optional.<VirtualKey>empty();
            }
            if (key.revokedAt() == null) {
                long revision = IdentitySql.bump(c, IdentitySql.KEYS);
                Sql.update(c, "UPDATE virtual_keys SET revoked_at = ?, updated_at = ?, revision = ? WHERE id = ?", now, now, revision, id);
            }
            return Optional.of(Sql.one(c, "SELECT * FROM virtual_keys WHERE id = ?", KeyStore::map, id));
        }));
    }

    /** The result of a rotation: the replacement (with its secret) and the old key as it now stands. */
    public record Rotation(IssuedKey replacement, VirtualKey old) {}

    /**
     * Issues a replacement with the same owner, team, name, expiry and key policies; the old key
     * keeps working until {@code now + graceMillis} (or its own earlier expiry). Empty when there
     * is no such key; a {@link ConflictException} when it is revoked or expired.
     */
    public Optional<Rotation> rotate(String id, long graceMillis) {
        long now = System.currentTimeMillis();
        return db.call(SqlWork.inTransaction(c -> {
            VirtualKey old = Sql.one(c, "SELECT * FROM virtual_keys WHERE id = ?", KeyStore::map, id);
            if (old == null) {
                return Optional.<Rotation>empty();
            }
            if (!"active".equals(old.status(now))) {
                throw new ConflictException("The key " + id + " is " + old.status(now) + " and cannot be rotated");
            }
            IssuedKey replacement = insert(c, new NewKey(old.name(), old.ownerType(), old.ownerId(), old.teamId(), old.expiresAt()));
            String newId = replacement.key().id();
            long graceEnd = now + Math.max(0, graceMillis);
            long oldExpiry = old.expiresAt() == null ? graceEnd : Math.min(old.expiresAt(), graceEnd);
            Sql.update(c, "UPDATE virtual_keys SET expires_at = ?, rotated_to = ?, updated_at = ?, revision = ? WHERE id = ?",
                    oldExpiry, newId, now, replacement.key().revision(), id);
            int copied = Sql.update(c, "INSERT INTO policy_attachments (policy_id, subject_type, subject_id, created_at)"
                    + " SELECT policy_id, subject_type, ?, ? FROM policy_attachments WHERE subject_type = 'key' AND subject_id = ?",
                    newId, now, id);
            if (copied > 0) {
                IdentitySql.bump(c, IdentitySql.DIRECTORY);
            }
            return Optional.of(new Rotation(replacement, Sql.one(c, "SELECT * FROM virtual_keys WHERE id = ?", KeyStore::map, id)));
        }));
    }

    /** Keys changed after {@code revision}, for the registry's incremental reload. */
    public List<VirtualKey> changedSince(long revision) {
        return db.call(c -> Sql.query(c, "SELECT * FROM virtual_keys WHERE revision > ? ORDER BY revision", KeyStore::map, revision));
    }

    /** The current values of the change counters: {@code keys} and {@code directory}. */
    public Map<String, Long> revisions() {
        return db.call(c -> Map.of(IdentitySql.KEYS, IdentitySql.revision(c, IdentitySql.KEYS), IdentitySql.DIRECTORY, IdentitySql.revision(c, IdentitySql.DIRECTORY)));
    }

    /**
     * Records last-used times in one batch. Does not bump the revision: last use is shown in
     * listings but changes nothing about who may call, so other nodes need not reload for it.
     */
    public void recordLastUsed(Map<String, Long> lastUsedById) {
        if (lastUsedById.isEmpty()) {
            return;
        }
        db.call(SqlWork.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE virtual_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)")) {
                for (Map.Entry<String, Long> e : lastUsedById.entrySet()) {
                    ps.setLong(1, e.getValue());
                    ps.setString(2, e.getKey());
                    ps.setLong(3, e.getValue());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        }));
    }

    static VirtualKey map(ResultSet rs) throws SQLException {
        return new VirtualKey(rs.getString("id"), rs.getString("key_hash"), rs.getString("display_prefix"), rs.getString("name"),
                rs.getString("owner_type"), rs.getString("owner_id"), rs.getString("team_id"), Sql.nullableLong(rs, "expires_at"),
                Sql.nullableLong(rs, "revoked_at"), rs.getString("rotated_to"), Sql.nullableLong(rs, "last_used_at"),
                rs.getLong("created_at"), rs.getLong("updated_at"), rs.getLong("revision"));
    }
}
