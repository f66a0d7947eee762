-- The console's request log and overview filter by user (a member sees only their own calls, by
-- user, else by key) and by provider; key, team and model already have (column, ts) indexes (V5).
-- Without these, a member's newest-first page scans the whole time range of everyone's requests.
CREATE INDEX request_log_user_ts ON request_log (user_id, ts);
CREATE INDEX request_log_provider_ts ON request_log (provider, ts);
