-- Vector store sharing (issue 15): which vector stores (ids or globs) an access policy shares
-- read-only with the callers it is attached to. Stored like the other policy lists
-- (newline-joined, '' = none). Portable SQL for SQLite and PostgreSQL.
ALTER TABLE access_policies ADD COLUMN vector_stores TEXT NOT NULL DEFAULT '';
