package dev.gatehouse.config;

/**
 * @param url a JDBC URL: {@code jdbc:sqlite:...} (default, under the data folder) or
 *     {@code jdbc:postgresql://...}; null means SQLite at {@code <data>/gatehouse.db}
 * @param migrateAtStart apply pending migrations when a node starts (default); when false a node
 *     whose database schema is behind the release refuses to start, and {@code gatehouse migrate}
 *     (a Kubernetes Job, once per release) applies them
 */
public record StorageConfig(String url, String username, String password, boolean migrateAtStart) {
    public StorageConfig(String url, String username, String password) {
        this(url, username, password, true);
    }
}
