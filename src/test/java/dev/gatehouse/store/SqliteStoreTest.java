package dev.gatehouse.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest extends StoreContract {
    // Static: with one instance per class, JUnit injects instance @TempDir fields only after @BeforeAll.
    @TempDir
    static Path dataDir;

    @Override
    Dialect expectedDialect() {
        return Dialect.SQLITE;
    }

    @Override
    Database openDatabase() {
        return Database.open(null, null, null, dataDir);
    }

    @Override
    void cleanup() {
        // @TempDir is deleted by JUnit.
    }
}
