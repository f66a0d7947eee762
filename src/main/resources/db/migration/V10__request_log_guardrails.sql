-- The guardrail verdicts of a request (issue 18): which guardrails ran on it and what each did,
-- with the kinds of what they found (EMAIL, AWS_ACCESS_KEY), never the values. NULL when none ran.
ALTER TABLE request_log ADD COLUMN guardrails TEXT;
