-- BYOK provider credentials and the tamper-evident admin audit trail.
-- Portable SQL for SQLite and PostgreSQL; times are epoch milliseconds (BIGINT).

-- A team's own key for one configured provider. The secret is stored only as an AES-256-GCM
-- envelope "v1:<kid>:<nonce>:<ciphertext>" whose associated data is (team_id, provider), so a
-- ciphertext copied into another row does not decrypt. key_hint is the masked form (sk-…abcd).
CREATE TABLE provider_credentials (
    id          VARCHAR(64)  NOT NULL PRIMARY KEY,
    team_id     VARCHAR(255) NOT NULL,
    provider    VARCHAR(255) NOT NULL,
    ciphertext  TEXT         NOT NULL,
    key_id      VARCHAR(64)  NOT NULL,
    key_hint    VARCHAR(64)  NOT NULL,
    created_by  VARCHAR(255),
    created_at  BIGINT       NOT NULL,
    updated_at  BIGINT       NOT NULL,
    CONSTRAINT provider_credentials_team_provider UNIQUE (team_id, provider)
);

-- Append-only hash chain: hash = SHA-256(canonical(entry) + prev_hash). seq is assigned by the
-- writer (last + 1) and is the primary key, so two nodes appending at once cannot both take the
-- same place: the loser gets a unique violation and retries on the new head.
CREATE TABLE audit_log (
    seq            BIGINT       NOT NULL PRIMARY KEY,
    at             BIGINT       NOT NULL,
    actor_id       VARCHAR(255),
    actor_kind     VARCHAR(64),
    client_address VARCHAR(128),
    request_id     VARCHAR(128),
    action         VARCHAR(128) NOT NULL,
    target_type    VARCHAR(128),
    target_id      VARCHAR(255),
    before_json    TEXT,
    after_json     TEXT,
    prev_hash      VARCHAR(64)  NOT NULL,
    hash           VARCHAR(64)  NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id);
