-- The answer cache (issue 19): what the cache did for each request (HIT, SEMANTIC_HIT, MISS; NULL
-- when it was not consulted), and for a hit what the replayed answer had cost to make: the tokens
-- and micro-USD it saved. A hit's own tokens and cost stay 0 (it used no model).
-- Versioned 8.19 so that it orders after V8 whichever other 8.x arrives first.
ALTER TABLE request_log ADD COLUMN cache VARCHAR(16);
ALTER TABLE request_log ADD COLUMN cache_saved_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE request_log ADD COLUMN cache_saved_micros BIGINT NOT NULL DEFAULT 0;
