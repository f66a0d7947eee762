-- Knowledge bases (issue 15): uploaded files, vector stores and the files attached to them.
-- Portable SQL for SQLite and PostgreSQL. owner is "team:<team id>", or "principal:<id>" for a
-- caller without a team: every read and delete is scoped by it, so another team never sees a row.
-- File bytes live under <data>/rag/files/<id>; chunks and vectors in the search index under
-- <data>/rag/index. Times are epoch seconds, as the OpenAI API shows them.
CREATE TABLE rag_files (
    id            VARCHAR(80)   NOT NULL PRIMARY KEY,
    owner         VARCHAR(200)  NOT NULL,
    filename      VARCHAR(1000) NOT NULL,
    purpose       VARCHAR(40)   NOT NULL,
    bytes         BIGINT        NOT NULL,
    created_at    BIGINT        NOT NULL
);
CREATE INDEX rag_files_owner ON rag_files (owner, created_at);

-- expires_days is expires_after.days (anchor last_active_at), NULL when the store never expires;
-- expires_at = last_active_at + expires_days, kept in step when the store is used.
CREATE TABLE rag_vector_stores (
    id              VARCHAR(80)  NOT NULL PRIMARY KEY,
    owner           VARCHAR(200) NOT NULL,
    name            VARCHAR(1000),
    created_at      BIGINT       NOT NULL,
    last_active_at  BIGINT       NOT NULL,
    metadata        TEXT         NOT NULL,
    expires_days    INTEGER,
    expires_at      BIGINT,
    embedding_model VARCHAR(200)
);
CREATE INDEX rag_vector_stores_owner ON rag_vector_stores (owner, created_at);

-- status: in_progress, completed, failed or cancelled; last_error the API's object as JSON or NULL.
-- batch_id names the file batch that attached the file, if any.
CREATE TABLE rag_vector_store_files (
    vector_store_id VARCHAR(80)  NOT NULL,
    file_id         VARCHAR(80)  NOT NULL,
    owner           VARCHAR(200) NOT NULL,
    batch_id        VARCHAR(80),
    created_at      BIGINT       NOT NULL,
    status          VARCHAR(20)  NOT NULL,
    last_error      TEXT,
    chunking        TEXT         NOT NULL,
    attributes      TEXT         NOT NULL,
    usage_bytes     BIGINT       NOT NULL,
    PRIMARY KEY (vector_store_id, file_id)
);
CREATE INDEX rag_vector_store_files_file ON rag_vector_store_files (file_id);
CREATE INDEX rag_vector_store_files_batch ON rag_vector_store_files (batch_id);
