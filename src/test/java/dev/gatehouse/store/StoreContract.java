package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Behaviour every storage backend must show. Each subclass runs the same tests against one
 * dialect, so SQLite and PostgreSQL cannot drift apart. One database per class; tests use their
 * own keys, so they do not depend on each other's rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class StoreContract {
    Database db;
    SettingsStore settings;

    abstract Dialect expectedDialect();

    /** Opens (another) database handle on this class's storage location. */
    abstract Database openDatabase() throws Exception;

    /** Removes this class's storage location, after the database is closed. */
    abstract void cleanup() throws Exception;

    @BeforeAll
    void openShared() throws Exception {
        db = openDatabase();
        settings = new SettingsStore(db);
    }

    @AfterAll
    void closeShared() throws Exception {
        try {
            if (db != null) {
                db.close();
            }
        } finally {
            cleanup();
        }
    }

    static String key() {
        return "k-" + UUID.randomUUID();
    }

    @Test
    void opensTheExpectedDialectWithMigrationsApplied() {
        assertThat(db.dialect()).isEqualTo(expectedDialect());
        assertThat(appliedMigrations(db)).contains("1");
        // The migrated table is there and empty of our keys.
        assertThat(settings.get(key())).isEmpty();
    }

    @Test
    void putThenGetReturnsTheValue() {
        String k = key();
        settings.put(k, "v1");
        assertThat(settings.get(k)).contains("v1");
    }

    @Test
    void putReplacesAnEarlierValue() {
        String k = key();
        settings.put(k, "old");
        settings.put(k, "new");
        assertThat(settings.get(k)).contains("new");
        assertThat(rowCount(k)).isEqualTo(1);
    }

    @Test
    void valuesRoundTripUnchanged() {
        String k = key();
        String value = "ünïcødé ✓ 🔑 'quotes' \"double\" \\ ;DROP TABLE settings;--\n" + "x".repeat(100_000);
        settings.put(k, value);
        assertThat(settings.get(k)).contains(value);
    }

    @Test
    void deleteRemovesTheKeyAndIgnoresMissingKeys() {
        String k = key();
        settings.put(k, "v");
        settings.delete(k);
        assertThat(settings.get(k)).isEmpty();
        settings.delete(k); // no error on a missing key
        assertThat(settings.putIfAbsent(k, "again")).isTrue();
    }

    @Test
    void putIfAbsentKeepsTheFirstValue() {
        String k = key();
        assertThat(settings.putIfAbsent(k, "first")).isTrue();
        assertThat(settings.putIfAbsent(k, "second")).isFalse();
        assertThat(settings.get(k)).contains("first");
    }

    @Test
    void putIfAbsentHasExactlyOneWinnerUnderContention() throws Exception {
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 5; round++) {
                String k = key();
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    String value = "node-" + i;
                    results.add(pool.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        return settings.putIfAbsent(k, value);
                    }));
                }
                List<String> winners = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    if (results.get(i).get(30, TimeUnit.SECONDS)) {
                        winners.add("node-" + i);
                    }
                }
                assertThat(winners).hasSize(1);
                assertThat(settings.get(k)).contains(winners.getFirst());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void reopeningKeepsDataAndDoesNotRerunMigrations() throws Exception {
        String k = key();
        try (Database first = openDatabase()) {
            new SettingsStore(first).put(k, "durable");
        }
        try (Database second = openDatabase()) {
            assertThat(new SettingsStore(second).get(k)).contains("durable");
            assertThat(appliedMigrations(second)).containsOnlyOnce("1");
        }
        // The long-lived handle sees the other handles' writes too.
        assertThat(settings.get(k)).contains("durable");
    }

    @Test
    void asyncRunsOnAVirtualThread() throws Exception {
        Thread caller = Thread.currentThread();
        Thread worker = db.async(c -> Thread.currentThread()).get(10, TimeUnit.SECONDS);
        assertThat(worker).isNotSameAs(caller);
        assertThat(worker.isVirtual()).isTrue();
    }

    @Test
    void asyncFailureIsAStorageException() {
        assertThatThrownBy(() -> db.async(c -> c.createStatement().executeQuery("SELECT * FROM no_such_table")).join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("no_such_table");
    }

    @Test
    void transactionRollsBackWhenTheWorkFails() {
        String k = key();
        assertThatThrownBy(() -> db.call(SqlWork.inTransaction(c -> {
                    try (PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 0)")) {
                        ps.setString(1, k);
                        ps.executeUpdate();
                    }
                    throw new IllegalStateException("boom");
                })))
                .isInstanceOf(IllegalStateException.class);
        assertThat(settings.get(k)).isEmpty();
        // The connection went back to the pool in auto-commit mode: later writes are committed.
        settings.put(k, "after");
        assertThat(settings.get(k)).contains("after");
    }

    private int rowCount(String k) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM settings WHERE key = ?")) {
                ps.setString(1, k);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    static List<String> appliedMigrations(Database database) {
        return database.call(c -> {
            List<String> versions = new ArrayList<>();
            try (ResultSet rs = c.createStatement()
                    .executeQuery("SELECT version FROM flyway_schema_history WHERE success = true AND version IS NOT NULL")) {
                while (rs.next()) {
                    versions.add(rs.getString(1));
                }
            }
            return versions;
        });
    }
}
