package dev.gatehouse.identity;

import dev.gatehouse.store.Database;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteIdentityStoreTest extends IdentityStoreContract {
    @TempDir
    static Path dataDir;

    @Override
    Database openDatabase() {
        return Database.open(null, null, null, dataDir);
    }

    @Override
    void cleanup() {}
}
