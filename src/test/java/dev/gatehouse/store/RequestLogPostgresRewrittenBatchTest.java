package dev.gatehouse.store;

/**
 * The same contract on a PostgreSQL driver that rewrites batched inserts into multi-row ones
 * ({@code reWriteBatchedInserts=true}, an option operators set for bulk speed): it reports no
 * per-row update counts, so the store must fall back to looking the batch's ids up first.
 */
class RequestLogPostgresRewrittenBatchTest extends RequestLogStoreContract {
    private TestPostgres pg;

    @Override
    Database openFresh() throws Exception {
        pg = TestPostgres.createSchema();
        return Database.open(pg.url() + (pg.url().contains("?") ? "&" : "?") + "reWriteBatchedInserts=true", null, null, null);
    }

    @Override
    void dropFresh() throws Exception {
        pg.drop();
    }
}
