-- Migrations run unchanged on SQLite and PostgreSQL: keep to the SQL both understand
-- (VARCHAR, TEXT, BIGINT, PRIMARY KEY, ON CONFLICT). Times are epoch milliseconds in BIGINT,
-- because the two databases store and return timestamps differently and JDBC drivers disagree.

-- Small named values kept across restarts and shared by nodes (e.g. the master key's hash).
CREATE TABLE settings (
    key        VARCHAR(255) NOT NULL PRIMARY KEY,
    value      TEXT         NOT NULL,
    updated_at BIGINT       NOT NULL
);
