package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.Gatehouse;
import dev.gatehouse.Main;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.StorageException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code gatehouse migrate} on a fresh SQLite file and a fresh PostgreSQL schema, and a node with
 * {@code storage.migrate-at-start: false} refusing to start on a schema behind its release.
 */
class MigrateCommandTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = Main.commandLine(args).execute(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    Path config(String storage) throws Exception {
        Path config = dir.resolve("gatehouse-" + UUID.randomUUID() + ".yaml");
        Files.writeString(config, storage + """
                providers:
                  mock: {kind: mock}
                models:
                  m:
                    targets: [{provider: mock}]
                """);
        return config;
    }

    @Test
    void migratesAFreshSqliteFileOnceThenFindsNothingToDoAndANodeStartsWithoutMigrating() throws Exception {
        Path config = config("storage: {migrate-at-start: false}\n");
        Path data = dir.resolve("data");
        Run first = run("migrate", "--config", config.toString(), "--data", data.toString());
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).contains("migrated from version none to " + latest()).contains("migrations applied");
        Run again = run("migrate", "--config", config.toString(), "--data", data.toString());
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).contains("is at version " + latest() + ": nothing to migrate");
        try (Gatehouse node = Gatehouse.start(new Gatehouse.Options(config, "127.0.0.1", 0, data, false))) {
            assertThat(node.port()).isPositive();
        }
    }

    @Test
    void aNodeThatMustNotMigrateRefusesASchemaBehindItsRelease() throws Exception {
        Path config = config("storage: {migrate-at-start: false}\n");
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        // The schema of an older release: every migration but the last.
        String url = "jdbc:sqlite:" + data.resolve("gatehouse.db");
        Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration").target(previous()).load().migrate();
        assertThatThrownBy(() -> Gatehouse.start(new Gatehouse.Options(config, "127.0.0.1", 0, data, false)))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("is at version " + previous())
                .hasMessageContaining("needs version " + latest())
                .hasMessageContaining("run 'gatehouse migrate'");
        // An empty database likewise, and the start command says so and exits non-zero.
        Path empty = dir.resolve("empty");
        Run start = run("start", "--config", config.toString(), "--data", empty.toString(), "--port", "0");
        assertThat(start.exit()).isEqualTo(2);
        assertThat(start.err()).contains("cannot start").contains("is at version none (empty)").contains("gatehouse migrate");
        // The default (and the flag) migrate as before.
        try (Gatehouse node = Gatehouse.start(new Gatehouse.Options(config, "127.0.0.1", 0, data, false, List.of(), null, true))) {
            assertThat(node.port()).isPositive();
        }
    }

    @Test
    void migratesAFreshPostgresSchema() throws Exception {
        String base = System.getProperty("gatehouse.test.postgres");
        assertThat(base).as("gatehouse.test.postgres (see pom.xml)").isNotNull();
        String schema = "migrate_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(base); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
        try {
            String url = base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
            Path config = config("storage: {url: \"" + url + "\", migrate-at-start: false}\n");
            Run first = run("migrate", "--config", config.toString(), "--data", dir.resolve("pg-data").toString());
            assertThat(first.exit()).as(first.err()).isZero();
            assertThat(first.out()).contains("jdbc:postgresql://").contains("migrated from version none to " + latest());
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM flyway_schema_history WHERE success AND version IS NOT NULL")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(migrations());
            }
            try (Database db = Database.open(url, null, null, dir, false)) {
                assertThat(db).isNotNull(); // current: opened without migrating
            }
        } finally {
            try (Connection c = DriverManager.getConnection(base); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @Test
    void anUnreachableDatabaseFailsWithTheReasonAndNoPassword() throws Exception {
        Path config = config("storage: {url: \"jdbc:postgresql://127.0.0.1:1/gatehouse?user=gw&password=s3cret\"}\n");
        Run run = run("migrate", "--config", config.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("gatehouse migrate: Cannot migrate database jdbc:postgresql://127.0.0.1:1/gatehouse")
                .doesNotContain("s3cret");
        Run missing = run("migrate", "--config", dir.resolve("nope.yaml").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("does not exist");
    }

    private static List<String> versions() throws Exception {
        try (var files = Files.list(Path.of("src/main/resources/db/migration"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V[\\d_]+__.*\\.sql"))
                    .map(n -> n.substring(1, n.indexOf("__")).replace('_', '.'))
                    .sorted((a, b) -> Double.compare(Double.parseDouble(a), Double.parseDouble(b)))
                    .toList();
        }
    }

    private static String latest() throws Exception {
        List<String> v = versions();
        return v.get(v.size() - 1);
    }

    private static String previous() throws Exception {
        List<String> v = versions();
        return v.get(v.size() - 2);
    }

    private static int migrations() throws Exception {
        return versions().size();
    }
}
