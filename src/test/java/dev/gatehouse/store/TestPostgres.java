package dev.gatehouse.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A throwaway PostgreSQL schema for one test class, so classes can run side by side on the shared
 * server. Fails loudly (never skips) when PostgreSQL is not there: CI runs it, and a silently
 * skipped storage test would hide a broken server mode.
 */
public final class TestPostgres {
    static final String PROPERTY = "gatehouse.test.postgres";

    final String baseUrl;
    final String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);

    private TestPostgres(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    static String baseUrl() {
        String url = System.getProperty(PROPERTY);
        if (url == null || url.isBlank()) {
            throw new IllegalStateException("System property " + PROPERTY + " is not set (see pom.xml surefire config)");
        }
        return url;
    }

    /** Creates a fresh schema; throws if PostgreSQL is unreachable. */
    public static TestPostgres createSchema() throws SQLException {
        TestPostgres pg = new TestPostgres(baseUrl());
        pg.execute("CREATE SCHEMA " + pg.schema);
        return pg;
    }

    /** A URL whose connections work in this schema only. */
    public String url() {
        return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    public void drop() throws SQLException {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    private void execute(String sql) throws SQLException {
        DriverManager.setLoginTimeout(5);
        try (Connection c = DriverManager.getConnection(baseUrl); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new SQLException("PostgreSQL at " + JdbcUrls.mask(baseUrl) + " is required for these tests: " + e.getMessage(), e);
        }
    }
}
