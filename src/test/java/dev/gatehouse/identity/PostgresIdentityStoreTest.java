package dev.gatehouse.identity;

import dev.gatehouse.store.Database;
import dev.gatehouse.store.TestPostgres;

class PostgresIdentityStoreTest extends IdentityStoreContract {
    private TestPostgres pg;

    @Override
    Database openDatabase() throws Exception {
        if (pg == null) {
            pg = TestPostgres.createSchema();
        }
        return Database.open(pg.url(), null, null, null);
    }

    @Override
    void cleanup() throws Exception {
        if (pg != null) {
            pg.drop();
        }
    }
}
