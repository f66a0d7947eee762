-- The attempts of a request are stored inline on its request_log row (a JSON array) from this
-- version on: one row per request instead of one per request and one per attempt, which halved
-- the B-tree writes of the request-log writer (issue 7). request_attempts keeps the attempts of
-- rows written before; readers fall back to it when the column is NULL, retention still cleans it.
ALTER TABLE request_log ADD COLUMN attempts TEXT;
