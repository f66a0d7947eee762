-- Budgets and rate limits (issue 5). Portable SQL for SQLite and PostgreSQL; times are epoch millis.

-- A spending limit in micro-USD (1 USD = 1,000,000) over a calendar period in UTC.
-- scope: org | team | user | key; subject: the team/user/key id (NULL for org);
-- team_id: the owning team, for tenant scoping of the admin API.
CREATE TABLE budgets (
    id           VARCHAR(64)  NOT NULL PRIMARY KEY,
    name         VARCHAR(255),
    scope        VARCHAR(16)  NOT NULL,
    subject      VARCHAR(255),
    team_id      VARCHAR(255),
    period       VARCHAR(16)  NOT NULL,
    limit_micros BIGINT       NOT NULL,
    created_at   BIGINT       NOT NULL,
    updated_at   BIGINT       NOT NULL
);
CREATE INDEX budgets_scope_subject ON budgets (scope, subject);
CREATE INDEX budgets_team ON budgets (team_id);

-- What each budget spent per period, written asynchronously in batches so it survives restarts.
-- alerted_percent: the highest alert threshold already reported in that period.
CREATE TABLE budget_spend (
    budget_id       VARCHAR(64) NOT NULL,
    period_start    BIGINT      NOT NULL,
    spent_micros    BIGINT      NOT NULL,
    alerted_percent INTEGER     NOT NULL,
    updated_at      BIGINT      NOT NULL,
    PRIMARY KEY (budget_id, period_start)
);

-- Requests per minute, tokens per minute and concurrent requests for one key, user, team or
-- model (scope + subject), optionally only for one model (model, NULL = all models).
CREATE TABLE rate_limits (
    id          VARCHAR(64)  NOT NULL PRIMARY KEY,
    name        VARCHAR(255),
    scope       VARCHAR(16)  NOT NULL,
    subject     VARCHAR(255) NOT NULL,
    model       VARCHAR(255),
    team_id     VARCHAR(255),
    rpm         BIGINT,
    tpm         BIGINT,
    concurrent  INTEGER,
    created_at  BIGINT       NOT NULL,
    updated_at  BIGINT       NOT NULL
);
CREATE INDEX rate_limits_scope_subject ON rate_limits (scope, subject);
CREATE INDEX rate_limits_team ON rate_limits (team_id);
