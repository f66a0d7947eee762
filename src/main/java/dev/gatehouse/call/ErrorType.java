package dev.gatehouse.call;

/**
 * The kinds of error a caller can receive, with their HTTP status. Each caller format renders
 * them in its own shape (OpenAI: {@code {"error":{"message","type","param","code"}}}).
 */
public enum ErrorType {
    INVALID_REQUEST(400, "invalid_request_error"),
    AUTHENTICATION(401, "authentication_error"),
    PERMISSION(403, "permission_error"),
    NOT_FOUND(404, "not_found_error"),
    METHOD_NOT_ALLOWED(405, "invalid_request_error"),
    /** The request's headers and body did not arrive within server.request-timeout (a slow client). */
    REQUEST_TIMEOUT(408, "invalid_request_error"),
    PAYLOAD_TOO_LARGE(413, "invalid_request_error"),
    UNSUPPORTED_MEDIA_TYPE(415, "invalid_request_error"),
    UNPROCESSABLE(422, "invalid_request_error"),
    /** The caller went away before its request was read (nginx's 499): its doing, not a server error. */
    CLIENT_CLOSED(499, "invalid_request_error"),
    RATE_LIMIT(429, "rate_limit_error"),
    /** A budget is spent: 429 like OpenAI's own "insufficient_quota", so SDKs treat it as a rate limit. */
    INSUFFICIENT_QUOTA(429, "insufficient_quota"),
    INTERNAL(500, "server_error"),
    UPSTREAM(502, "upstream_error"),
    UNAVAILABLE(503, "service_unavailable"),
    TIMEOUT(504, "timeout_error");

    private final int status;
    private final String openAiType;

    ErrorType(int status, String openAiType) {
        this.status = status;
        this.openAiType = openAiType;
    }

    public int status() {
        return status;
    }

    public String openAiType() {
        return openAiType;
    }

    /**
     * The first kind with this status (so 429 is a rate limit, not a spent budget), or UPSTREAM for
     * a status no kind has: for reading the status of an answer the gateway gave itself (loopback).
     */
    public static ErrorType ofStatus(int status) {
        for (ErrorType t : values()) {
            if (t.status == status) {
                return t;
            }
        }
        return UPSTREAM;
    }
}
