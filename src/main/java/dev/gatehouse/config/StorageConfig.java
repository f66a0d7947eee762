package dev.gatehouse.config;

/**
 * @param url a JDBC URL: {@code jdbc:sqlite:...} (default, under the data folder) or
 *     {@code jdbc:postgresql://...}; null means SQLite at {@code <data>/gatehouse.db}
 */
public record StorageConfig(String url, String username, String password) {}
