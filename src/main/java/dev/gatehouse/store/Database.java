package dev.gatehouse.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's SQL database: a connection pool over SQLite (embedded default) or PostgreSQL
 * (server mode), with the schema migrated on open. JDBC blocks, so request-path code reaches the
 * database through {@link #async}, which runs the work on a virtual thread and never on the event
 * loop; startup code may use the blocking {@link #call}.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);
    static final String DEFAULT_FILE = "gatehouse.db";
    static final String MIGRATIONS_FOLDER = "db/migration";
    static final String MIGRATIONS = "classpath:" + MIGRATIONS_FOLDER;

    private final HikariDataSource dataSource;
    private final Dialect dialect;
    private final String displayUrl;
    // Virtual threads: JDBC blocks, and a thread per task costs next to nothing, so there is no
    // worker pool to size; the connection pool is what bounds concurrent database work.
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    private Database(HikariDataSource dataSource, Dialect dialect, String displayUrl) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.displayUrl = displayUrl;
    }

    /**
     * Opens the database and applies pending migrations.
     *
     * @param jdbcUrl {@code jdbc:sqlite:<file>} or {@code jdbc:postgresql://...}; null or blank
     *     means SQLite at {@code <dataDir>/gatehouse.db}
     * @param username PostgreSQL user (may also be given in the URL); ignored for SQLite
     * @param password PostgreSQL password (may also be given in the URL); ignored for SQLite
     * @param dataDir the data folder, created if missing; only used when {@code jdbcUrl} is null
     * @throws StorageException naming the URL (password masked) and the reason, when the database
     *     cannot be reached, opened or migrated; never hangs (every step has a deadline)
     */
    public static Database open(String jdbcUrl, String username, String password, Path dataDir) {
        return open(jdbcUrl, username, password, dataDir, true);
    }

    /**
     * Opens the database; with {@code migrate} false, applies nothing and refuses (a
     * {@link StorageException} saying to run {@code gatehouse migrate}) when the schema is behind
     * this release. A schema ahead of it (a newer release migrated first) is accepted: migrations
     * keep the previous release working.
     */
    public static Database open(String jdbcUrl, String username, String password, Path dataDir, boolean migrate) {
        String url = jdbcUrl == null || jdbcUrl.isBlank() ? defaultSqliteUrl(dataDir) : jdbcUrl.strip();
        Dialect dialect = JdbcUrls.dialectOf(url);
        String shown = JdbcUrls.mask(url);
        HikariConfig config = poolConfig(url, dialect, shown, username, password);
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StorageException("Cannot open database " + shown + ": " + reason(e), e);
        }
        try {
            if (SchemaHistory.current(dataSource, dialect, Database.class.getClassLoader(), MIGRATIONS_FOLDER)) {
                // Every bundled migration applied and unchanged (a restart): nothing for Flyway to do or check.
            } else if (migrate) {
                migrate(dataSource);
            } else {
                requireCurrent(dataSource, shown);
            }
        } catch (StorageException e) {
            dataSource.close();
            throw e;
        } catch (RuntimeException e) {
            dataSource.close();
            throw new StorageException("Cannot " + (migrate ? "migrate" : "check the schema of") + " database " + shown + ": " + reason(e), e);
        }
        log.info("Opened {} database {}", dialect, shown);
        return new Database(dataSource, dialect, shown);
    }

    /** The pool's settings for this URL; for SQLite the file's folder is created first. */
    private static HikariConfig poolConfig(String url, Dialect dialect, String shown, String username, String password) {
        if (dialect == Dialect.SQLITE) {
            createParentFolder(JdbcUrls.sqliteFile(url), shown);
            return PoolSettings.sqlite(url);
        }
        return PoolSettings.postgres(url, username, password);
    }

    static String defaultSqliteUrl(Path dataDir) {
        if (dataDir == null) {
            throw new StorageException("No database URL and no data folder: cannot place the SQLite database");
        }
        return JdbcUrls.sqliteUrl(dataDir.resolve(DEFAULT_FILE));
    }

    private static void createParentFolder(Path file, String shownUrl) {
        Path parent = file == null ? null : file.getParent();
        if (parent == null) {
            return; // in-memory database, or a file in the filesystem root
        }
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new StorageException("Cannot open database " + shownUrl + ": cannot create folder "
                    + parent + " (" + e + ")", e);
        }
    }

    private static Flyway flyway(DataSource dataSource) {
        return Flyway.configure(Database.class.getClassLoader())
                .dataSource(dataSource)
                .locations(MIGRATIONS)
                .failOnMissingLocations(true)
                .load();
    }

    private static MigrateResult migrate(DataSource dataSource) {
        return flyway(dataSource).migrate();
    }

    private static void requireCurrent(DataSource dataSource, String shown) {
        MigrationInfoService info = flyway(dataSource).info();
        MigrationInfo[] pending = info.pending();
        if (pending.length > 0) {
            MigrationInfo current = info.current();
            throw new StorageException("The schema of database " + shown + " is at version "
                    + (current == null ? "none (empty)" : current.getVersion().getVersion()) + " but this release needs version "
                    + pending[pending.length - 1].getVersion().getVersion() + ": run 'gatehouse migrate' with the same config"
                    + " (storage.migrate-at-start is false, so nodes do not migrate by themselves)");
        }
    }

    /** What {@link #migrateOnly} did, on which database (its URL, password masked). */
    public record Migration(String database, String from, String to, int applied) {}

    /**
     * Applies the pending migrations and closes the database (the {@code migrate} command). Same
     * arguments as {@link #open}; on PostgreSQL Flyway's lock keeps two runs from overlapping.
     *
     * @throws StorageException naming the database and the reason when it cannot be reached or migrated
     */
    public static Migration migrateOnly(String jdbcUrl, String username, String password, Path dataDir) {
        String url = jdbcUrl == null || jdbcUrl.isBlank() ? defaultSqliteUrl(dataDir) : jdbcUrl.strip();
        Dialect dialect = JdbcUrls.dialectOf(url);
        String shown = JdbcUrls.mask(url);
        try (HikariDataSource dataSource = new HikariDataSource(poolConfig(url, dialect, shown, username, password))) {
            MigrateResult result = migrate(dataSource);
            return new Migration(shown, result.initialSchemaVersion == null ? "none" : result.initialSchemaVersion,
                    result.targetSchemaVersion == null ? result.initialSchemaVersion : result.targetSchemaVersion,
                    result.migrationsExecuted);
        } catch (StorageException e) {
            throw e; // the data folder could not be made: already says so
        } catch (RuntimeException e) {
            throw new StorageException("Cannot migrate database " + shown + ": " + reason(e), e);
        }
    }

    /** The driver's own message is the useful part; the pool's wrapper only adds noise. */
    private static String reason(Throwable e) {
        Throwable t = e;
        while ((t instanceof HikariPool.PoolInitializationException || t.getMessage() == null) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    /**
     * A connection of its own, outside the pool, for a session that must outlive any one piece of
     * work (the leader lock). The caller closes it. Blocks; has the pool's connect deadlines.
     */
    Connection dedicatedConnection() {
        try {
            Properties properties = new Properties();
            dataSource.getDataSourceProperties().forEach((k, v) -> properties.setProperty(k.toString(), v.toString()));
            if (dataSource.getUsername() != null) {
                properties.setProperty("user", dataSource.getUsername());
            }
            if (dataSource.getPassword() != null) {
                properties.setProperty("password", dataSource.getPassword());
            }
            return DriverManager.getConnection(dataSource.getJdbcUrl(), properties);
        } catch (SQLException e) {
            throw new StorageException("Database " + displayUrl + ": " + e.getMessage(), e);
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The URL this database was opened with, password masked: safe to log. */
    public String displayUrl() {
        return displayUrl;
    }

    /**
     * Runs {@code work} on a virtual thread with a pooled connection. The future fails with a
     * {@link StorageException} when the work throws or no connection is free in time.
     */
    public <T> CompletableFuture<T> async(SqlWork<T> work) {
        try {
            return CompletableFuture.supplyAsync(() -> call(work), executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new StorageException("Database " + displayUrl + " is closed", e));
        }
    }

    /** Runs {@code work} on the calling thread with a pooled connection. Blocks: not for the event loop. */
    public <T> T call(SqlWork<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw new StorageException("Database " + displayUrl + ": " + e.getMessage(), e);
        }
    }

    /** Waits for running {@link #async} work to finish, then closes the pool. */
    @Override
    public void close() {
        executor.close();
        dataSource.close();
    }

    @Override
    public String toString() {
        return "Database[" + dialect + " " + displayUrl + "]";
    }
}
