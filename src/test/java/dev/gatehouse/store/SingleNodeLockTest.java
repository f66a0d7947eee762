package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.Gatehouse;
import dev.gatehouse.testing.GatewayHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SQLite serves one gateway: a second on the same file refuses to start and says to use PostgreSQL. */
class SingleNodeLockTest {
    @TempDir
    Path dir;

    @Test
    void aSecondGatewayOnTheSameSqliteFileRefusesToStartUntilTheFirstStops() throws Exception {
        try (GatewayHarness first = GatewayHarness.start(GatewayHarness.mockConfig())) {
            Path config = first.configFile();
            Path data = first.configFile().getParent().resolve("data");
            assertThatThrownBy(() -> Gatehouse.start(new Gatehouse.Options(config, "127.0.0.1", 0, data, false)))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("Another Gatehouse node is running on the SQLite database")
                    .hasMessageContaining(data.resolve("gatehouse.db").toString())
                    .hasMessageContaining("use PostgreSQL");
            // The first is unaffected.
            assertThat(first.get("/health/ready").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theLockIsReleasedOnCloseAndIsNotTakenForPostgresOrAnInMemoryDatabase() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("g.db");
        SingleNodeLock held = SingleNodeLock.acquire(url, null);
        assertThat(Files.exists(dir.resolve("g.db.node-lock"))).isTrue();
        assertThatThrownBy(() -> SingleNodeLock.acquire(url, null)).isInstanceOf(StorageException.class);
        held.close();
        SingleNodeLock.acquire(url, null).close();
        // Default location: <data dir>/gatehouse.db
        try (SingleNodeLock ignored = SingleNodeLock.acquire(null, dir)) {
            assertThatThrownBy(() -> SingleNodeLock.acquire("jdbc:sqlite:" + dir.resolve("gatehouse.db"), null))
                    .isInstanceOf(StorageException.class);
        }
        try (SingleNodeLock a = SingleNodeLock.acquire("jdbc:postgresql://127.0.0.1:5432/test", null);
                SingleNodeLock b = SingleNodeLock.acquire("jdbc:postgresql://127.0.0.1:5432/test", null);
                SingleNodeLock c = SingleNodeLock.acquire("jdbc:sqlite:file:x?mode=memory", null);
                SingleNodeLock d = SingleNodeLock.acquire("jdbc:sqlite:file:x?mode=memory", null)) {
            assertThat(a).isSameAs(b);
        }
    }
}
