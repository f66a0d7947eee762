package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteDataSource;

/**
 * A restart skips Flyway only when the schema history already holds every bundled migration,
 * unchanged; everything else still goes through Flyway exactly as before (pending migrations
 * applied, an edited one refused, failed or unknown rows left to Flyway's judgement).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SchemaHistoryTest {
    @TempDir
    Path tmp;

    @Test
    void aSchemaMigratedByFlywayIsCurrentOnSqlite() {
        Database.open(null, null, null, tmp).close();
        // Equality of every bundled migration's checksum with the one Flyway wrote: the fast path is taken.
        assertThat(current(sqlite())).isTrue();
    }

    @Test
    void aSchemaMigratedByFlywayIsCurrentOnPostgres() throws Exception {
        TestPostgres pg = TestPostgres.createSchema();
        try {
            Database.open(pg.url(), null, null, null).close();
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setURL(pg.url());
            assertThat(current(ds)).isTrue();
            assertThat(SchemaHistory.current(ds, Dialect.POSTGRESQL, getClass().getClassLoader(), Database.MIGRATIONS_FOLDER)).isTrue();
        } finally {
            pg.drop();
        }
    }

    @Test
    void aNewDatabaseIsNotCurrent() {
        assertThat(current(sqlite())).isFalse(); // no history table yet: Flyway creates the schema
    }

    @Test
    void aPendingMigrationIsStillApplied() throws Exception {
        // A database migrated by the previous release: everything but the newest migration.
        String newest = newestBundledVersion();
        Flyway.configure(Database.class.getClassLoader()).dataSource(sqlite()).locations(Database.MIGRATIONS)
                .target(previousVersion(newest)).load().migrate();
        assertThat(current(sqlite())).isFalse();

        Database.open(null, null, null, tmp).close();

        assertThat(query("SELECT count(*) FROM flyway_schema_history WHERE version = '" + newest + "' AND success")).isEqualTo(1);
        assertThat(current(sqlite())).isTrue();
    }

    @Test
    void anEditedMigrationIsRefusedAsBefore() throws Exception {
        Database.open(null, null, null, tmp).close();
        execute("UPDATE flyway_schema_history SET checksum = checksum + 1 WHERE version = '1'");
        assertThat(current(sqlite())).isFalse();

        assertThatThrownBy(() -> Database.open(null, null, null, tmp))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("Cannot migrate database")
                .hasMessageContaining("checksum mismatch");
    }

    @Test
    void aSchemaAheadOfThisBuildIsLeftToFlyway() throws Exception {
        Database.open(null, null, null, tmp).close();
        execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by,"
                + " execution_time, success) VALUES (999, '999', 'from a newer release', 'SQL', 'V999__from_a_newer_release.sql',"
                + " 1, 'test', 1, 1)");
        assertThat(current(sqlite())).isFalse();

        // What Flyway does with a migration it does not know (its default ignores a future one) is unchanged:
        // the same answer as Flyway on its own gives.
        Throwable flywayAlone = catchAll(() -> Flyway.configure(Database.class.getClassLoader()).dataSource(sqlite())
                .locations(Database.MIGRATIONS).failOnMissingLocations(true).load().migrate());
        Throwable open = catchAll(() -> Database.open(null, null, null, tmp).close());
        assertThat(open == null).isEqualTo(flywayAlone == null);
        assertThat(query("SELECT count(*) FROM flyway_schema_history WHERE version = '999'")).isEqualTo(1);
    }

    @Test
    void aFailedMigrationIsLeftToFlyway() throws Exception {
        Database.open(null, null, null, tmp).close();
        execute("UPDATE flyway_schema_history SET success = 0 WHERE version = '" + newestBundledVersion() + "'");
        assertThat(current(sqlite())).isFalse();
    }

    @Test
    void aMissingBundledFolderIsNotCurrent() throws Exception {
        Database.open(null, null, null, tmp).close();
        assertThat(SchemaHistory.current(sqlite(), Dialect.SQLITE, getClass().getClassLoader(), "db/no-such-folder")).isFalse();
    }

    @Test
    void theChecksumIgnoresLineEndingsAndAByteOrderMarkLikeFlyways() throws Exception {
        int unix = SchemaHistory.checksum(stream("CREATE TABLE t (id INT);\nINSERT INTO t VALUES (1);\n"));
        assertThat(SchemaHistory.checksum(stream("CREATE TABLE t (id INT);\r\nINSERT INTO t VALUES (1);\r\n"))).isEqualTo(unix);
        assertThat(SchemaHistory.checksum(stream("\uFEFFCREATE TABLE t (id INT);\nINSERT INTO t VALUES (1);"))).isEqualTo(unix);
        assertThat(SchemaHistory.checksum(stream("CREATE TABLE t (id BIGINT);\nINSERT INTO t VALUES (1);\n"))).isNotEqualTo(unix);
    }

    private boolean current(DataSource ds) {
        return SchemaHistory.current(ds, Dialect.SQLITE, getClass().getClassLoader(), Database.MIGRATIONS_FOLDER);
    }

    private DataSource sqlite() {
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl(JdbcUrls.sqliteUrl(tmp.resolve(Database.DEFAULT_FILE)));
        return ds;
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private String newestBundledVersion() throws Exception {
        return SchemaHistory.bundled(getClass().getClassLoader(), Database.MIGRATIONS_FOLDER).keySet().stream()
                .max(Comparator.comparing(org.flywaydb.core.api.MigrationVersion::fromVersion)).orElseThrow();
    }

    private String previousVersion(String version) throws Exception {
        return SchemaHistory.bundled(getClass().getClassLoader(), Database.MIGRATIONS_FOLDER).keySet().stream()
                .filter(v -> !v.equals(version))
                .max(Comparator.comparing(org.flywaydb.core.api.MigrationVersion::fromVersion)).orElseThrow();
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(JdbcUrls.sqliteUrl(tmp.resolve(Database.DEFAULT_FILE)));
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private long query(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(JdbcUrls.sqliteUrl(tmp.resolve(Database.DEFAULT_FILE)));
                Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Throwable catchAll(ThrowingRunnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
