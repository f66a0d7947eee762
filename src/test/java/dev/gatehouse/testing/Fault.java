package dev.gatehouse.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A failure the fake upstream injects instead of (or in the middle of) a normal answer.
 *
 * <p>Faults are armed on a {@link FakeOpenAi} with {@link FakeOpenAi#failNext(int, Fault)} or
 * {@link FakeOpenAi#failAlways(Fault)}. They apply only to requests that pass authentication
 * and validation, so a test that sends a bad request never "uses up" a fault meant for a retry.
 *
 * <p>Stream-shaped faults ({@link #cutAfter}, {@link #stallAfter}, {@link #malformedChunkAfter},
 * {@link #omitDone}) count {@code data:} events of a streamed chat completion (the role chunk is
 * event 1). On a non-streamed request they degrade to the closest equivalent: cut → head plus half
 * the body then close; stall → head then silence; malformed → a truncated JSON body;
 * omitDone → no effect.
 */
public final class Fault {

    /** What kind of failure this is. */
    public enum Kind { ERROR, RESET_BEFORE_HEAD, CUT_AFTER, STALL_AFTER, MALFORMED_CHUNK_AFTER, OMIT_DONE }

    private final Kind kind;
    private final int status;
    private final String body;
    private final Map<String, String> headers;
    private final int afterEvents;

    private Fault(Kind kind, int status, String body, Map<String, String> headers, int afterEvents) {
        this.kind = kind;
        this.status = status;
        this.body = body;
        this.headers = Map.copyOf(headers);
        this.afterEvents = afterEvents;
    }

    // ---- error responses -------------------------------------------------------------------

    /** An error answer in OpenAI's shape {@code {"error":{"message","type","param","code"}}}. */
    public static Fault error(int status, String type, String code, String message, String param) {
        return raw(status, FakeOpenAi.errorBody(message, type, param, code));
    }

    /** An arbitrary body (e.g. an HTML page from a proxy) with the given status. */
    public static Fault raw(int status, String body) {
        if (status < 100 || status > 599) throw new IllegalArgumentException("status " + status);
        return new Fault(Kind.ERROR, status, Objects.requireNonNull(body), Map.of("content-type", "application/json"), 0);
    }

    /** 429 as OpenAI sends it on a per-minute request limit, with {@code Retry-After} in seconds. */
    public static Fault rateLimited(int retryAfterSeconds) {
        return error(429, "requests", "rate_limit_exceeded",
                "Rate limit reached for gpt-4o in organization org-fake on requests per min (RPM): "
                        + "Limit 3, Used 3, Requested 1. Please try again in " + retryAfterSeconds + "s.",
                null)
                .withHeader("retry-after", Integer.toString(retryAfterSeconds))
                .withHeader("x-ratelimit-limit-requests", "3")
                .withHeader("x-ratelimit-remaining-requests", "0")
                .withHeader("x-ratelimit-reset-requests", retryAfterSeconds + "s");
    }

    /** 429 for an exhausted quota: same status as a rate limit, but retrying never helps. */
    public static Fault insufficientQuota() {
        return error(429, "insufficient_quota", "insufficient_quota",
                "You exceeded your current quota, please check your plan and billing details.", null);
    }

    /** 500 as OpenAI sends it. */
    public static Fault serverError() {
        return error(500, "server_error", null,
                "The server had an error while processing your request. Sorry about that!", null);
    }

    /** 503 as OpenAI sends it when overloaded. */
    public static Fault overloaded() {
        return error(503, "server_error", null, "The server is overloaded or not ready yet.", null);
    }

    /** 400 {@code context_length_exceeded}: a client error that no retry or fallback to the same model fixes. */
    public static Fault contextLengthExceeded() {
        return error(400, "invalid_request_error", "context_length_exceeded",
                "This model's maximum context length is 128000 tokens. However, your messages resulted in "
                        + "130000 tokens. Please reduce the length of the messages.", "messages");
    }

    /** Returns a copy that also sends this response header (only meaningful for error faults). */
    public Fault withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name.toLowerCase(java.util.Locale.ROOT), value);
        return new Fault(kind, status, body, h, afterEvents);
    }

    // ---- transport faults ------------------------------------------------------------------

    /** Close the connection after reading the request, before any response byte. */
    public static Fault resetBeforeHead() {
        return new Fault(Kind.RESET_BEFORE_HEAD, 0, null, Map.of(), 0);
    }

    /** Send {@code k} stream events, then close the connection (no {@code [DONE]}, no final HTTP chunk). */
    public static Fault cutAfter(int k) {
        return new Fault(Kind.CUT_AFTER, 0, null, Map.of(), requireNonNegative(k));
    }

    /** Send {@code k} stream events, then keep the connection open and send nothing more. */
    public static Fault stallAfter(int k) {
        return new Fault(Kind.STALL_AFTER, 0, null, Map.of(), requireNonNegative(k));
    }

    /**
     * After {@code k} good events send one {@code data:} line whose JSON is truncated, then carry on
     * normally up to {@code [DONE]} (so both strict and tolerant clients can be tested).
     */
    public static Fault malformedChunkAfter(int k) {
        return new Fault(Kind.MALFORMED_CHUNK_AFTER, 0, null, Map.of(), requireNonNegative(k));
    }

    /** Send every event including the usage chunk, end the HTTP response cleanly, but never send {@code data: [DONE]}. */
    public static Fault omitDone() {
        return new Fault(Kind.OMIT_DONE, 0, null, Map.of(), 0);
    }

    private static int requireNonNegative(int k) {
        if (k < 0) throw new IllegalArgumentException("k must be >= 0: " + k);
        return k;
    }

    public Kind kind() { return kind; }
    public int status() { return status; }
    public String body() { return body; }
    public Map<String, String> headers() { return headers; }
    public int afterEvents() { return afterEvents; }

    @Override
    public String toString() {
        return kind == Kind.ERROR ? "Fault[ERROR " + status + "]" : "Fault[" + kind + " " + afterEvents + "]";
    }
}
