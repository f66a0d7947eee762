-- Knowledge bases on several nodes (server mode, PostgreSQL). The database becomes the source of
-- truth for the files' bytes and the chunks with their vectors; each node's embedded search index
-- is a cache it keeps in step by applying rag_index_changes in order. Portable SQL: SQLite creates
-- the tables too but, serving one node, keeps using the data folder alone.

-- The node ingesting a file holds a lease on it, renewed while the job is queued or running: a row
-- whose lease ran out (its node died) is marked failed by any node, so none stays in_progress.
ALTER TABLE rag_vector_store_files ADD COLUMN claimed_by VARCHAR(80);
ALTER TABLE rag_vector_store_files ADD COLUMN claimed_until BIGINT;

-- A file's bytes in parts of 1 MiB, so neither writing nor reading holds a whole file in memory.
CREATE TABLE rag_file_parts (
    file_id  VARCHAR(80) NOT NULL,
    part     INTEGER     NOT NULL,
    content  BYTEA       NOT NULL,
    PRIMARY KEY (file_id, part)
);

-- The chunks of one file in one store: text, page, character offsets and the vector (float32,
-- little-endian; NULL for stores without an embedding model).
CREATE TABLE rag_chunks (
    vector_store_id VARCHAR(80) NOT NULL,
    file_id         VARCHAR(80) NOT NULL,
    chunk_index     INTEGER     NOT NULL,
    text            TEXT        NOT NULL,
    page            INTEGER     NOT NULL,
    start_offset    INTEGER     NOT NULL,
    end_offset      INTEGER     NOT NULL,
    tokens          INTEGER     NOT NULL,
    vector          BYTEA,
    PRIMARY KEY (vector_store_id, file_id, chunk_index)
);
CREATE INDEX rag_chunks_file ON rag_chunks (file_id);

-- What changed in the index, in order. seq comes from rag_index_head, incremented in the same
-- transaction (the row lock orders writers), so sequence numbers commit gap-free and in order and
-- a node that applied up to N needs exactly the rows after N. kind: 'put' (reload the chunks of
-- file_id in vector_store_id; none left means remove them), 'file' (file_id deleted everywhere),
-- 'store' (vector_store_id deleted).
CREATE TABLE rag_index_changes (
    seq             BIGINT      NOT NULL PRIMARY KEY,
    kind            VARCHAR(10) NOT NULL,
    vector_store_id VARCHAR(80),
    file_id         VARCHAR(80),
    created_at      BIGINT      NOT NULL
);
CREATE TABLE rag_index_head (
    id  INTEGER NOT NULL PRIMARY KEY,
    seq BIGINT  NOT NULL
);
INSERT INTO rag_index_head (id, seq) VALUES (1, 0);
