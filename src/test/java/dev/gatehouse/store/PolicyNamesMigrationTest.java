package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * V8 (policy names unique per team) rebuilds access_policies and policy_attachments: on both
 * databases, policies and attachments written under V7 survive it with their ids, and afterwards
 * two teams may use one name.
 */
class PolicyNamesMigrationTest {

    @Test
    void sqliteKeepsPoliciesAndAttachments() throws Exception {
        Path dir = Files.createTempDirectory("gatehouse-v8");
        String url = "jdbc:sqlite:" + dir.resolve("g.db");
        check(url);
    }

    @Test
    void postgresKeepsPoliciesAndAttachments() throws Exception {
        TestPostgres pg = TestPostgres.createSchema();
        try {
            check(pg.url());
        } finally {
            pg.drop();
        }
    }

    private static void check(String url) throws Exception {
        Flyway.configure(Database.class.getClassLoader()).dataSource(url, null, null).locations(Database.MIGRATIONS)
                .target("7").load().migrate();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("INSERT INTO teams (id, name, created_at, updated_at) VALUES ('team_a', 'a', 1, 1), ('team_b', 'b', 1, 1)");
            s.execute("INSERT INTO access_policies (id, name, team_id, models, providers, endpoints, max_tokens, created_at, updated_at)"
                    + " VALUES ('pol_1', 'gpt-only', 'team_a', 'gpt-*', '', '', 100, 1, 2)");
            s.execute("INSERT INTO policy_attachments (policy_id, subject_type, subject_id, created_at) VALUES ('pol_1', 'team', 'team_a', 3)");
        }
        try (Database db = Database.open(url, null, null, null)) {
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT name, team_id, models, max_tokens FROM access_policies WHERE id = 'pol_1'")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString("name")).isEqualTo("gpt-only");
                    assertThat(rs.getString("team_id")).isEqualTo("team_a");
                    assertThat(rs.getString("models")).isEqualTo("gpt-*");
                    assertThat(rs.getInt("max_tokens")).isEqualTo(100);
                }
                try (ResultSet rs = s.executeQuery("SELECT subject_id FROM policy_attachments WHERE policy_id = 'pol_1'")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("team_a");
                }
                s.execute("INSERT INTO access_policies (id, name, team_id, models, providers, endpoints, created_at, updated_at)"
                        + " VALUES ('pol_2', 'gpt-only', 'team_b', '', '', '', 1, 1)");
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM access_policies WHERE name = 'gpt-only'")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(2);
                }
            }
        }
    }
}
