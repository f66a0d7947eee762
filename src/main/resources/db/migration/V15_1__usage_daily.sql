-- Daily rollup beside the hourly one (V5), upserted by the batch writer in the same transaction.
-- Summaries over whole days (the console's 7- and 30-day views, top spenders over a month) read
-- 24 times fewer rows: the hourly rollup holds one row per hour and dimension combination, so a
-- month of it is as large as the number of combinations times 720, whatever the request count.
-- Tagged summaries keep reading usage_hourly_tags.
CREATE TABLE usage_daily (
    day                BIGINT       NOT NULL,
    team_id            VARCHAR(255) NOT NULL,
    key_id             VARCHAR(255) NOT NULL,
    user_id            VARCHAR(255) NOT NULL,
    model              VARCHAR(255) NOT NULL,
    provider           VARCHAR(255) NOT NULL,
    requests           BIGINT       NOT NULL,
    errors             BIGINT       NOT NULL,
    input_tokens       BIGINT       NOT NULL,
    output_tokens      BIGINT       NOT NULL,
    cached_tokens      BIGINT       NOT NULL,
    reasoning_tokens   BIGINT       NOT NULL,
    cost_micros        BIGINT       NOT NULL,
    latency_ms_sum     BIGINT       NOT NULL,
    PRIMARY KEY (day, team_id, key_id, user_id, model, provider)
);
CREATE INDEX usage_daily_team_day ON usage_daily (team_id, day);

-- What the writer recorded before this migration, from the hourly rollup (UTC days).
INSERT INTO usage_daily (day, team_id, key_id, user_id, model, provider, requests, errors, input_tokens, output_tokens,
                         cached_tokens, reasoning_tokens, cost_micros, latency_ms_sum)
SELECT hour - (hour % 86400000), team_id, key_id, user_id, model, provider, SUM(requests), SUM(errors), SUM(input_tokens),
       SUM(output_tokens), SUM(cached_tokens), SUM(reasoning_tokens), SUM(cost_micros), SUM(latency_ms_sum)
FROM usage_hourly
GROUP BY hour - (hour % 86400000), team_id, key_id, user_id, model, provider;
