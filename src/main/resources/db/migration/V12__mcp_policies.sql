-- MCP tool permissions (issue 13): which MCP servers (globs) and server/tool patterns an access
-- policy grants. Stored like the other policy lists (newline-joined, '' = none). Portable SQL for
-- SQLite and PostgreSQL.
ALTER TABLE access_policies ADD COLUMN mcp_servers TEXT NOT NULL DEFAULT '';
ALTER TABLE access_policies ADD COLUMN mcp_tools TEXT NOT NULL DEFAULT '';
