-- Request and response bodies (issue 6), kept only for teams listed under request-log.bodies.teams
-- and never for zero-data-retention calls. Portable SQL for SQLite and PostgreSQL. Written by the
-- request-log batch writer in the same transaction as the request_log row; deleted with it by retention.
-- Each body is capped (1 MiB of bytes); truncated = 1 when either was cut.
CREATE TABLE request_bodies (
    request_id    VARCHAR(64) NOT NULL PRIMARY KEY,
    request_body  TEXT,
    response_body TEXT,
    truncated     INTEGER     NOT NULL
);
