package dev.gatehouse.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Objects;
import java.util.Optional;

/**
 * Small named values the gateway keeps across restarts and shares between nodes, e.g. the hash
 * of a generated master key. Methods block: call them at startup or through {@link Database#async}.
 * The SQL is the same on SQLite and PostgreSQL ({@code ON CONFLICT} exists in both).
 */
public final class SettingsStore {
    private static final String SELECT = "SELECT value FROM settings WHERE key = ?";
    private static final String UPSERT = "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)"
            + " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
    // One statement, so the database decides the race: exactly one concurrent caller inserts a row.
    private static final String INSERT_IF_ABSENT = "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)"
            + " ON CONFLICT (key) DO NOTHING";
    private static final String DELETE = "DELETE FROM settings WHERE key = ?";

    private final Database database;

    public SettingsStore(Database database) {
        this.database = Objects.requireNonNull(database, "database");
    }

    public Optional<String> get(String key) {
        Objects.requireNonNull(key, "key");
        return database.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT)) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    /** Sets {@code key} to {@code value}, replacing any earlier value. */
    public void put(String key, String value) {
        write(UPSERT, key, value);
    }

    /**
     * Sets {@code key} only if it has no value yet. Atomic across threads and nodes.
     *
     * @return true if this call stored the value, false if the key already had one
     */
    public boolean putIfAbsent(String key, String value) {
        return write(INSERT_IF_ABSENT, key, value) == 1;
    }

    public void delete(String key) {
        Objects.requireNonNull(key, "key");
        database.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(DELETE)) {
                ps.setString(1, key);
                return ps.executeUpdate();
            }
        });
    }

    private int write(String sql, String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        long now = System.currentTimeMillis();
        return database.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, key);
                ps.setString(2, value);
                ps.setLong(3, now);
                return ps.executeUpdate();
            }
        });
    }
}
