package dev.gatehouse.identity;

import dev.gatehouse.store.StorageException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/** What the identity stores share beyond {@link dev.gatehouse.store.Sql}: revision counters, list columns, unique violations. */
final class IdentitySql {
    static final String KEYS = "keys";
    static final String DIRECTORY = "directory";

    private IdentitySql() {}

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
    static <T> T unique(Supplier<T> write, String what) {
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
