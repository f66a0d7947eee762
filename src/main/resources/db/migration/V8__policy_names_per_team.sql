-- Policy names are unique within a team (and among organisation-wide policies), no longer across
-- the whole gateway: a team-admin creating a policy whose name another team uses got a 409 and so
-- learnt that the name exists there. Portable for SQLite and PostgreSQL: SQLite cannot drop a
-- column's UNIQUE constraint, so the table is rebuilt (and policy_attachments with it, as it
-- refers to the table), keeping every row and id.

CREATE TABLE access_policies_v8 (
    id         VARCHAR(64)  NOT NULL PRIMARY KEY,
    name       VARCHAR(255) NOT NULL,
    team_id    VARCHAR(64)  REFERENCES teams (id),
    models     TEXT         NOT NULL,
    providers  TEXT         NOT NULL,
    endpoints  TEXT         NOT NULL,
    max_tokens INTEGER,
    created_at BIGINT       NOT NULL,
    updated_at BIGINT       NOT NULL
);
INSERT INTO access_policies_v8 (id, name, team_id, models, providers, endpoints, max_tokens, created_at, updated_at)
    SELECT id, name, team_id, models, providers, endpoints, max_tokens, created_at, updated_at FROM access_policies;

CREATE TABLE policy_attachments_v8 (
    policy_id    VARCHAR(64) NOT NULL REFERENCES access_policies_v8 (id),
    subject_type VARCHAR(16) NOT NULL,
    subject_id   VARCHAR(64) NOT NULL,
    created_at   BIGINT      NOT NULL,
    PRIMARY KEY (policy_id, subject_type, subject_id)
);
INSERT INTO policy_attachments_v8 (policy_id, subject_type, subject_id, created_at)
    SELECT policy_id, subject_type, subject_id, created_at FROM policy_attachments;

DROP TABLE policy_attachments;
DROP TABLE access_policies;
-- Renaming also renames the reference from policy_attachments_v8 (SQLite rewrites it; PostgreSQL
-- refers to the table itself, not its name).
ALTER TABLE access_policies_v8 RENAME TO access_policies;
ALTER TABLE policy_attachments_v8 RENAME TO policy_attachments;
CREATE INDEX policy_attachments_subject ON policy_attachments (subject_type, subject_id);

-- One name per team; organisation-wide policies (no team) form one more scope of their own.
CREATE UNIQUE INDEX access_policies_team_name ON access_policies (COALESCE(team_id, ''), name);
CREATE INDEX access_policies_team ON access_policies (team_id);
