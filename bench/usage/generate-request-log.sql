-- Synthetic request log for measuring the analytics queries at scale (docs/observability.md).
-- Run manually, never in the unit tests: UsageQueryBench (test sources) creates and migrates a
-- fresh PostgreSQL schema with the gateway's own migrations, runs this file with :rows replaced,
-- then times the analytics queries through the same code the API uses:
--   ./bench/usage/run.sh 10000000
-- It bulk-inserts :rows requests spread over 30 days with generate_series (one INSERT ... SELECT:
-- no client round trips), tags 10 % of them, then builds the hourly rollups the batch writer
-- would have maintained incrementally. Lines starting with a backslash are psql-only and skipped.
-- Indexes are built after the bulk load (faster than maintaining them row by row).
DROP INDEX request_log_ts, request_log_team_ts, request_log_key_ts, request_log_model_ts,
    request_log_user_ts, request_log_provider_ts, request_tags_key_value, request_tags_ts;
ALTER TABLE request_log DROP CONSTRAINT request_log_pkey;
ALTER TABLE request_tags DROP CONSTRAINT request_tags_pkey;

-- 30 days ending at 2026-02-01T00:00:00Z; 50 teams, 500 keys and users, 8 models on 4 providers, 3 % errors.
INSERT INTO request_log
SELECT 'r' || g,
       1769904000000 - (g * 2592000000 / :rows),
       'chat_completions',
       'key-' || (g % 500), 'user-' || (g % 500), 'team-' || (g % 50),
       'public-' || (g % 8), 'model-' || (g % 8), 'provider-' || (g % 4),
       'strategy=priority', 'provider-' || (g % 4) || '/model-' || (g % 8) || ':200', 1,
       CASE WHEN g % 33 = 0 THEN 503 ELSE 200 END,
       CASE WHEN g % 33 = 0 THEN 'OVERLOADED' END,
       100 + (g * 7919) % 4000, (g * 104729) % 1000, (g % 5) * 50, 0, (g % 7) * 10, 0,
       ((g * 31) % 20000), 50 + (g * 13) % 5000, 20 + (g * 17) % 800, (g % 2), '10.0.0.1', 'bench', NULL
FROM generate_series(1::bigint, :rows) AS g;

INSERT INTO request_tags
SELECT request_id, ts, 'feature', 'feature-' || (abs(hashtext(request_id)) % 20)
FROM request_log WHERE abs(hashtext(request_id)) % 10 = 0;

ALTER TABLE request_log ADD PRIMARY KEY (request_id);
ALTER TABLE request_tags ADD PRIMARY KEY (request_id, tag_key);
CREATE INDEX request_log_ts ON request_log (ts);
CREATE INDEX request_log_team_ts ON request_log (team_id, ts);
CREATE INDEX request_log_key_ts ON request_log (key_id, ts);
CREATE INDEX request_log_model_ts ON request_log (model, ts);
CREATE INDEX request_log_user_ts ON request_log (user_id, ts);
CREATE INDEX request_log_provider_ts ON request_log (provider, ts);
CREATE INDEX request_tags_key_value ON request_tags (tag_key, tag_value, ts);
CREATE INDEX request_tags_ts ON request_tags (ts);

INSERT INTO usage_hourly
SELECT ts - ts % 3600000, team_id, key_id, user_id, model, provider, COUNT(*),
       SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens),
       SUM(reasoning_tokens), SUM(cost_micros), SUM(latency_ms)
FROM request_log GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO usage_hourly_tags
SELECT l.ts - l.ts % 3600000, t.tag_key, t.tag_value, l.team_id, l.key_id, l.user_id, l.model, l.provider, COUNT(*),
       SUM(CASE WHEN l.status >= 400 THEN 1 ELSE 0 END), SUM(l.input_tokens), SUM(l.output_tokens), SUM(l.cached_tokens),
       SUM(l.reasoning_tokens), SUM(l.cost_micros), SUM(l.latency_ms)
FROM request_log l JOIN request_tags t ON t.request_id = l.request_id GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO usage_daily
SELECT hour - hour % 86400000, team_id, key_id, user_id, model, provider, SUM(requests), SUM(errors), SUM(input_tokens),
       SUM(output_tokens), SUM(cached_tokens), SUM(reasoning_tokens), SUM(cost_micros), SUM(latency_ms_sum)
FROM usage_hourly GROUP BY 1, 2, 3, 4, 5, 6;
VACUUM ANALYZE request_log;
VACUUM ANALYZE request_tags;
VACUUM ANALYZE usage_hourly;
VACUUM ANALYZE usage_hourly_tags;
VACUUM ANALYZE usage_daily;
SELECT (SELECT COUNT(*) FROM request_log) AS requests, (SELECT COUNT(*) FROM request_tags) AS tags,
       (SELECT COUNT(*) FROM usage_hourly) AS hourly_rows, (SELECT COUNT(*) FROM usage_hourly_tags) AS hourly_tag_rows;
