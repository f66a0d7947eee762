package dev.gatehouse.call;

import java.time.Duration;

/**
 * An error to show the caller: what kind, a message a person can act on, the request field at
 * fault ({@code param}, or null) and a machine-readable {@code code}. Thrown by stages and
 * decoders to short-circuit a request; no stack trace, since it is an expected outcome.
 */
public final class GatewayException extends RuntimeException {
    private final ErrorType type;
    private final String param;
    private final String code;
    private final Duration retryAfter;
    private final int statusOverride;

    public GatewayException(ErrorType type, String message, String param, String code) {
        this(type, message, param, code, null, 0);
    }

    public GatewayException(ErrorType type, String message, String param, String code, Duration retryAfter, int statusOverride) {
        super(message, null, false, false);
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfter = retryAfter;
        this.statusOverride = statusOverride;
    }

    public static GatewayException invalid(String message, String param) {
        return new GatewayException(ErrorType.INVALID_REQUEST, message, param, "invalid_value");
    }

    public ErrorType type() {
        return type;
    }

    /** The HTTP status: the type's, unless an upstream status is passed through (e.g. 429 as 429). */
    public int status() {
        return statusOverride > 0 ? statusOverride : type.status();
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
