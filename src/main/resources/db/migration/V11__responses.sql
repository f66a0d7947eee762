-- Stored Responses API responses (issue 12). Portable SQL for SQLite and PostgreSQL.
-- owner is "team:<team id>", or "principal:<id>" for a caller without a team (the master key):
-- every read and delete is scoped by it, so another team never sees a row.
-- response is the response object as answered; input_items this turn's input items (JSON array);
-- conversation every item so far (earlier turns, this input, this output) for previous_response_id.
-- Rows older than responses.retention are deleted by the gateway's purge.
CREATE TABLE responses (
    id            VARCHAR(80)  NOT NULL PRIMARY KEY,
    owner         VARCHAR(200) NOT NULL,
    created_at    BIGINT       NOT NULL,
    model         VARCHAR(200) NOT NULL,
    response      TEXT         NOT NULL,
    input_items   TEXT         NOT NULL,
    conversation  TEXT         NOT NULL
);
CREATE INDEX responses_created_at ON responses (created_at);
