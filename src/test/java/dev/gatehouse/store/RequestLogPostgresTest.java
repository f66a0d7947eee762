package dev.gatehouse.store;

class RequestLogPostgresTest extends RequestLogStoreContract {
    private TestPostgres pg;

    @Override
    Database openFresh() throws Exception {
        pg = TestPostgres.createSchema();
        return Database.open(pg.url(), null, null, null);
    }

    @Override
    void dropFresh() throws Exception {
        pg.drop();
    }
}
