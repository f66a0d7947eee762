package dev.gatehouse.store;

class AuditLogPostgresTest extends AuditLogContract {
    private TestPostgres pg;

    @Override
    Database openFresh() throws Exception {
        pg = TestPostgres.createSchema();
        return Database.open(pg.url(), null, null, null);
    }

    @Override
    Database openAgain() {
        return Database.open(pg.url(), null, null, null);
    }

    @Override
    void dropFresh() throws Exception {
        pg.drop();
    }
}
