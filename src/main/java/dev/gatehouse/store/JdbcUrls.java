package dev.gatehouse.store;

import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/** Small, pure helpers for JDBC URLs: which dialect, where a SQLite file lives, and masking secrets. */
final class JdbcUrls {
    static final String SQLITE_PREFIX = "jdbc:sqlite:";
    static final String POSTGRES_PREFIX = "jdbc:postgresql:";

    // password=... in a query string (PostgreSQL and most drivers), and user:password@ in an authority.
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)(password=)[^&;]*");
    private static final Pattern USER_INFO = Pattern.compile("(//[^/:@]*:)[^/@]*@");

    private JdbcUrls() {}

    static Dialect dialectOf(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith(SQLITE_PREFIX)) {
            return Dialect.SQLITE;
        }
        if (lower.startsWith(POSTGRES_PREFIX)) {
            return Dialect.POSTGRESQL;
        }
        throw new StorageException("Unsupported database URL " + mask(url)
                + ": use jdbc:sqlite:<file> or jdbc:postgresql://host:port/database");
    }

    static String sqliteUrl(Path file) {
        return SQLITE_PREFIX + file.toAbsolutePath();
    }

    /**
     * The file a SQLite URL points at, as SQLite itself resolves it (a relative path against the
     * working directory), or null for an in-memory database.
     */
    static Path sqliteFile(String url) {
        String rest = url.substring(SQLITE_PREFIX.length());
        int query = rest.indexOf('?');
        if (query >= 0) {
            if (rest.substring(query).contains("mode=memory")) {
                return null;
            }
            rest = rest.substring(0, query);
        }
        if (rest.startsWith("file:")) {
            rest = rest.substring("file:".length());
            // file:///abs/path and file://localhost/abs/path are URI forms; file:rel/path is relative.
            if (rest.startsWith("//")) {
                int slash = rest.indexOf('/', 2);
                rest = slash < 0 ? "" : rest.substring(slash);
            }
        }
        if (rest.isEmpty() || rest.equals(":memory:") || rest.startsWith(":resource:")) {
            return null;
        }
        return Path.of(rest).toAbsolutePath();
    }

    /** The URL with any password replaced by {@code ***}, safe for logs and error messages. */
    static String mask(String url) {
        if (url == null) {
            return null;
        }
        String masked = PASSWORD_PARAM.matcher(url).replaceAll("$1***");
        return USER_INFO.matcher(masked).replaceAll("$1***@");
    }
}
