-- One row per request-log batch written (issue 23). Raw rows may now be kept for only some calls
-- (errors, slow calls, a sample), so they can no longer tell a replayed batch from a new one: the
-- batch's id, recorded in the same transaction as its rows and rollups, does. A spooled batch
-- keeps its id, so replaying it after a crash or a lost commit acknowledgement adds nothing.
CREATE TABLE request_log_batches (
    batch_id VARCHAR(64) PRIMARY KEY,
    ts       BIGINT      NOT NULL
);
CREATE INDEX request_log_batches_ts ON request_log_batches (ts);
