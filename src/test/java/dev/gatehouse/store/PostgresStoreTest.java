package dev.gatehouse.store;

class PostgresStoreTest extends StoreContract {
    private TestPostgres pg;

    @Override
    Dialect expectedDialect() {
        return Dialect.POSTGRESQL;
    }

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
