package dev.gatehouse.store;

class PostgresLimitsBudgetsStoreTest extends LimitsBudgetsStoreContract {
    private TestPostgres pg;

    @Override
    Database openDatabase() throws Exception {
        pg = TestPostgres.createSchema();
        return Database.open(pg.url(), null, null, null);
    }

    @Override
    void cleanup() throws Exception {
        if (pg != null) {
            pg.drop();
        }
    }
}
