package dev.gatehouse.secrets;

import dev.gatehouse.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** JDBC access to {@code provider_credentials}. Methods block: call them off the event loop. */
public final class CredentialStore {
    private static final String COLUMNS =
            "id, team_id, provider, ciphertext, key_id, key_hint, created_by, created_at, updated_at";

    private final Database database;

    public CredentialStore(Database database) {
        this.database = database;
    }

    public List<StoredCredential> all() {
        return database.call(c -> query(c, "SELECT " + COLUMNS + " FROM provider_credentials ORDER BY team_id, provider"));
    }

    public List<StoredCredential> forTeam(String teamId) {
        return database.call(c -> query(c, "SELECT " + COLUMNS + " FROM provider_credentials WHERE team_id = ? ORDER BY provider",
                teamId));
    }

    public Optional<StoredCredential> find(String teamId, String id) {
        return database.call(c -> query(c, "SELECT " + COLUMNS + " FROM provider_credentials WHERE team_id = ? AND id = ?",
                teamId, id)).stream().findFirst();
    }

    /** Inserts; false when the team already has a credential for that provider. */
    public boolean insert(StoredCredential row) {
        return database.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO provider_credentials (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (team_id, provider) DO NOTHING")) {
                ps.setString(1, row.id());
                ps.setString(2, row.teamId());
                ps.setString(3, row.provider());
                ps.setString(4, row.ciphertext());
                ps.setString(5, row.keyId());
                ps.setString(6, row.keyHint());
                ps.setString(7, row.createdBy());
                ps.setLong(8, row.createdAt());
                ps.setLong(9, row.updatedAt());
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * Replaces the envelope if it is still {@code expectedCiphertext} (so two nodes rotating at
     * once cannot overwrite each other's newer secret with an older one).
     */
    public boolean replaceSecret(String id, String expectedCiphertext, String ciphertext, String keyId, String keyHint,
            long now) {
        return database.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE provider_credentials SET ciphertext = ?, key_id = ?,"
                    + " key_hint = ?, updated_at = ? WHERE id = ? AND ciphertext = ?")) {
                ps.setString(1, ciphertext);
                ps.setString(2, keyId);
                ps.setString(3, keyHint);
                ps.setLong(4, now);
                ps.setString(5, id);
                ps.setString(6, expectedCiphertext);
                return ps.executeUpdate() == 1;
            }
        });
    }

    public boolean delete(String teamId, String id) {
        return database.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM provider_credentials WHERE team_id = ? AND id = ?")) {
                ps.setString(1, teamId);
                ps.setString(2, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    private static List<StoredCredential> query(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            List<StoredCredential> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StoredCredential(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getLong(8), rs.getLong(9)));
                }
            }
            return out;
        }
    }
}
