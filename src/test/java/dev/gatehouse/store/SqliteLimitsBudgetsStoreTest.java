package dev.gatehouse.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteLimitsBudgetsStoreTest extends LimitsBudgetsStoreContract {
    @TempDir
    static Path dataDir;

    @Override
    Database openDatabase() {
        return Database.open(null, null, null, dataDir);
    }

    @Override
    void cleanup() {}
}
