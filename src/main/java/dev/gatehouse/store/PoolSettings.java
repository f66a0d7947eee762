package dev.gatehouse.store;

import com.zaxxer.hikari.HikariConfig;
import java.time.Duration;

/** HikariCP settings per dialect; the reasoning for each choice sits next to it. */
final class PoolSettings {
    /** How long to wait for a PostgreSQL connection (TCP connect + login, or a free pooled one). */
    static final Duration POSTGRES_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * A read on a PostgreSQL socket that takes longer than this means a dead peer or a runaway
     * statement; either way the caller gets an error instead of hanging forever. Generous, because
     * migrations and batched log writes are legitimate slow statements.
     */
    static final Duration POSTGRES_SOCKET_TIMEOUT = Duration.ofSeconds(60);
    /** How long SQLite waits for another process's write lock (e.g. the CLI while the server runs). */
    static final Duration SQLITE_BUSY_TIMEOUT = Duration.ofSeconds(5);
    /** How long a caller waits for the single SQLite connection while other work holds it. */
    static final Duration SQLITE_POOL_WAIT = Duration.ofSeconds(10);

    private PoolSettings() {}

    /**
     * One connection for everything. SQLite allows a single writer per file; with several pooled
     * connections, concurrent writers (and readers upgrading to writers, which SQLite resolves with
     * SQLITE_BUSY without waiting) fail in ways busy_timeout does not cover. One connection
     * serialises our own work in the pool instead, which is simple and always correct. Reads are
     * serialised too, which is fine: the hot path reads memory, not the database. WAL mode still
     * matters: other processes (the CLI, a backup, sqlite3) can read while we write, and
     * busy_timeout makes them — and us — wait for each other's locks instead of failing at once.
     */
    static HikariConfig sqlite(String url) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("gatehouse-sqlite");
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(1);
        config.setMinimumIdle(1);
        // A file connection never goes stale, and recycling it would drop an in-memory database.
        config.setMaxLifetime(0);
        config.setIdleTimeout(0);
        config.setConnectionTimeout(SQLITE_POOL_WAIT.toMillis());
        config.setInitializationFailTimeout(1); // try once at startup, fail fast with the reason
        // sqlite-jdbc applies these pragmas to every connection it opens.
        config.addDataSourceProperty("journal_mode", "WAL");
        // In WAL mode NORMAL cannot corrupt the database; it skips the fsync on every commit (a
        // power loss may drop the last commits, which the request log's spool does not cover).
        config.addDataSourceProperty("synchronous", "NORMAL");
        // 16 MiB of page cache (SQLite's default is 2 MiB): the request log's indexes stay in memory
        // instead of being re-read with pread on every batch.
        config.addDataSourceProperty("cache_size", "-16384");
        config.addDataSourceProperty("busy_timeout", String.valueOf(SQLITE_BUSY_TIMEOUT.toMillis()));
        config.addDataSourceProperty("foreign_keys", "true");
        if (url.contains("mode=memory")) {
            // An in-memory database keeps even its temporary tables and sorts off the disk.
            config.addDataSourceProperty("temp_store", "MEMORY");
        }
        return config;
    }

    /**
     * A small fixed-ish pool: the gateway does little JDBC work per request (the hot path reads
     * memory) and several nodes share one server, so connections are kept few. Every network step
     * has a deadline. Settings given in the URL take precedence over these defaults (pgJDBC lets
     * URL parameters override driver properties).
     */
    static HikariConfig postgres(String url, String username, String password) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("gatehouse-postgresql");
        config.setJdbcUrl(url);
        if (username != null && !username.isBlank()) {
            config.setUsername(username);
        }
        if (password != null && !password.isEmpty()) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(8);
        config.setMinimumIdle(2);
        config.setConnectionTimeout(POSTGRES_CONNECT_TIMEOUT.toMillis());
        config.setValidationTimeout(Math.min(3_000, POSTGRES_CONNECT_TIMEOUT.toMillis()));
        config.setInitializationFailTimeout(1); // try once at startup, fail fast with the reason
        long connectSeconds = POSTGRES_CONNECT_TIMEOUT.toSeconds();
        config.addDataSourceProperty("connectTimeout", String.valueOf(connectSeconds));
        config.addDataSourceProperty("loginTimeout", String.valueOf(connectSeconds));
        config.addDataSourceProperty("socketTimeout", String.valueOf(POSTGRES_SOCKET_TIMEOUT.toSeconds()));
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("ApplicationName", "gatehouse");
        return config;
    }
}
