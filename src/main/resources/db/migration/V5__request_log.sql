-- Request log and usage rollups (issue 6). Portable SQL for SQLite and PostgreSQL; times are epoch millis.
-- Written only by the asynchronous batch writer (usage/RequestLogWriter), never on the request path.

-- One row per caller request. Dimensions a rollup groups by are '' (not NULL) when absent, so
-- they can be part of the rollup keys on both databases. Token counts are the provider's
-- numbers when it reported them (usage_estimated = 0), else jtokkit estimates (1).
CREATE TABLE request_log (
    request_id         VARCHAR(64)  NOT NULL PRIMARY KEY,
    ts                 BIGINT       NOT NULL,
    endpoint           VARCHAR(32)  NOT NULL,
    key_id             VARCHAR(255) NOT NULL,
    user_id            VARCHAR(255) NOT NULL,
    team_id            VARCHAR(255) NOT NULL,
    requested_model    VARCHAR(255) NOT NULL,
    model              VARCHAR(255) NOT NULL,
    provider           VARCHAR(255) NOT NULL,
    route              TEXT,
    fallback_path      TEXT,
    attempt_count      INTEGER      NOT NULL,
    status             INTEGER      NOT NULL,
    error_class        VARCHAR(64),
    input_tokens       BIGINT       NOT NULL,
    output_tokens      BIGINT       NOT NULL,
    cached_tokens      BIGINT       NOT NULL,
    cache_write_tokens BIGINT       NOT NULL,
    reasoning_tokens   BIGINT       NOT NULL,
    usage_estimated    INTEGER      NOT NULL,
    cost_micros        BIGINT       NOT NULL,
    latency_ms         BIGINT       NOT NULL,
    ttft_ms            BIGINT,
    stream             INTEGER      NOT NULL,
    client_address     VARCHAR(64),
    user_agent         VARCHAR(512),
    tags               TEXT
);
-- Time-range scans (analytics over raw rows, retention deletes oldest first) and the usual
-- "this team's / this key's recent requests" listings.
CREATE INDEX request_log_ts ON request_log (ts);
CREATE INDEX request_log_team_ts ON request_log (team_id, ts);
CREATE INDEX request_log_key_ts ON request_log (key_id, ts);
CREATE INDEX request_log_model_ts ON request_log (model, ts);

-- Every try at a target, in order (fallback and retries).
CREATE TABLE request_attempts (
    request_id  VARCHAR(64)  NOT NULL,
    seq         INTEGER      NOT NULL,
    provider    VARCHAR(255) NOT NULL,
    model       VARCHAR(255) NOT NULL,
    status      INTEGER      NOT NULL,
    error_class VARCHAR(64),
    duration_ms BIGINT       NOT NULL,
    PRIMARY KEY (request_id, seq)
);

-- Caller tags from the x-gatehouse-metadata header, one row per tag, for filtering raw rows.
CREATE TABLE request_tags (
    request_id VARCHAR(64)  NOT NULL,
    ts         BIGINT       NOT NULL,
    tag_key    VARCHAR(128) NOT NULL,
    tag_value  VARCHAR(512) NOT NULL,
    PRIMARY KEY (request_id, tag_key)
);
CREATE INDEX request_tags_key_value ON request_tags (tag_key, tag_value, ts);
CREATE INDEX request_tags_ts ON request_tags (ts);

-- Hourly rollup, upserted by the batch writer in the same transaction as the raw rows, so the
-- analytics API reads thousands of rows instead of millions. Kept when raw rows expire.
CREATE TABLE usage_hourly (
    hour               BIGINT       NOT NULL,
    team_id            VARCHAR(255) NOT NULL,
    key_id             VARCHAR(255) NOT NULL,
    user_id            VARCHAR(255) NOT NULL,
    model              VARCHAR(255) NOT NULL,
    provider           VARCHAR(255) NOT NULL,
    requests           BIGINT       NOT NULL,
    errors             BIGINT       NOT NULL,
    input_tokens       BIGINT       NOT NULL,
    output_tokens      BIGINT       NOT NULL,
    cached_tokens      BIGINT       NOT NULL,
    reasoning_tokens   BIGINT       NOT NULL,
    cost_micros        BIGINT       NOT NULL,
    latency_ms_sum     BIGINT       NOT NULL,
    PRIMARY KEY (hour, team_id, key_id, user_id, model, provider)
);
CREATE INDEX usage_hourly_team_hour ON usage_hourly (team_id, hour);

-- The same per caller tag (key = value): a request with two tags counts once under each.
CREATE TABLE usage_hourly_tags (
    hour               BIGINT       NOT NULL,
    tag_key            VARCHAR(128) NOT NULL,
    tag_value          VARCHAR(512) NOT NULL,
    team_id            VARCHAR(255) NOT NULL,
    key_id             VARCHAR(255) NOT NULL,
    user_id            VARCHAR(255) NOT NULL,
    model              VARCHAR(255) NOT NULL,
    provider           VARCHAR(255) NOT NULL,
    requests           BIGINT       NOT NULL,
    errors             BIGINT       NOT NULL,
    input_tokens       BIGINT       NOT NULL,
    output_tokens      BIGINT       NOT NULL,
    cached_tokens      BIGINT       NOT NULL,
    reasoning_tokens   BIGINT       NOT NULL,
    cost_micros        BIGINT       NOT NULL,
    latency_ms_sum     BIGINT       NOT NULL,
    PRIMARY KEY (hour, tag_key, tag_value, team_id, key_id, user_id, model, provider)
);
CREATE INDEX usage_hourly_tags_key_hour ON usage_hourly_tags (tag_key, hour);
