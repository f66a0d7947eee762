-- Identity (governance): teams, users and service accounts, virtual keys, access policies.
-- Portable SQL for SQLite and PostgreSQL; times are epoch milliseconds (BIGINT), as in V1.

-- Change counters the in-memory registry polls (every few hundred ms) to pick up changes made
-- by the CLI or other nodes. Every write bumps one in the same transaction, and the row lock
-- serialises writers, so "revision > last seen" never misses a committed change.
--   'keys':      virtual_keys rows carry the revision of their last change (incremental reload)
--   'directory': teams, users, policies, attachments (small; reloaded whole when it moves)
CREATE TABLE identity_revisions (
    name     VARCHAR(32) NOT NULL PRIMARY KEY,
    revision BIGINT      NOT NULL
);
INSERT INTO identity_revisions (name, revision) VALUES ('keys', 0);
INSERT INTO identity_revisions (name, revision) VALUES ('directory', 0);

CREATE TABLE teams (
    id         VARCHAR(64)  NOT NULL PRIMARY KEY,
    name       VARCHAR(255) NOT NULL UNIQUE,
    created_at BIGINT       NOT NULL,
    updated_at BIGINT       NOT NULL
);

-- Users and service accounts (kind 'user' or 'service'). role: owner, admin, team-admin, member, auditor.
CREATE TABLE users (
    id         VARCHAR(64)  NOT NULL PRIMARY KEY,
    kind       VARCHAR(16)  NOT NULL,
    name       VARCHAR(255) NOT NULL,
    email      VARCHAR(320) UNIQUE,
    team_id    VARCHAR(64)  REFERENCES teams (id),
    role       VARCHAR(32)  NOT NULL,
    created_at BIGINT       NOT NULL,
    updated_at BIGINT       NOT NULL
);
CREATE INDEX users_team ON users (team_id);

-- Virtual API keys. Only the SHA-256 of the key is stored; display_prefix is its first few
-- characters, to recognise a key in listings. Keys are never deleted, only revoked, so the
-- incremental reload by revision also sees revocations.
CREATE TABLE virtual_keys (
    id             VARCHAR(64)  NOT NULL PRIMARY KEY,
    key_hash       VARCHAR(64)  NOT NULL UNIQUE,
    display_prefix VARCHAR(32)  NOT NULL,
    name           VARCHAR(255),
    owner_type     VARCHAR(16)  NOT NULL,
    owner_id       VARCHAR(64)  NOT NULL,
    team_id        VARCHAR(64),
    expires_at     BIGINT,
    revoked_at     BIGINT,
    rotated_to     VARCHAR(64),
    last_used_at   BIGINT,
    created_at     BIGINT       NOT NULL,
    updated_at     BIGINT       NOT NULL,
    revision       BIGINT       NOT NULL
);
CREATE INDEX virtual_keys_revision ON virtual_keys (revision);
CREATE INDEX virtual_keys_team ON virtual_keys (team_id);
CREATE INDEX virtual_keys_owner ON virtual_keys (owner_type, owner_id);

-- Access policies: lists are newline-separated (model names and globs, provider names,
-- endpoint names); empty means "any". team_id is the team that owns (may edit) the policy,
-- null for organisation-wide policies that only owners and admins edit.
CREATE TABLE access_policies (
    id         VARCHAR(64)  NOT NULL PRIMARY KEY,
    name       VARCHAR(255) NOT NULL UNIQUE,
    team_id    VARCHAR(64)  REFERENCES teams (id),
    models     TEXT         NOT NULL,
    providers  TEXT         NOT NULL,
    endpoints  TEXT         NOT NULL,
    max_tokens INTEGER,
    created_at BIGINT       NOT NULL,
    updated_at BIGINT       NOT NULL
);

-- Which policies apply to which key, user or team (subject_type 'key', 'user', 'team').
CREATE TABLE policy_attachments (
    policy_id    VARCHAR(64) NOT NULL REFERENCES access_policies (id),
    subject_type VARCHAR(16) NOT NULL,
    subject_id   VARCHAR(64) NOT NULL,
    created_at   BIGINT      NOT NULL,
    PRIMARY KEY (policy_id, subject_type, subject_id)
);
CREATE INDEX policy_attachments_subject ON policy_attachments (subject_type, subject_id);
