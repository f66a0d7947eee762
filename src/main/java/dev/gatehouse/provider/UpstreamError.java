package dev.gatehouse.provider;

import java.time.Duration;

/**
 * A classified upstream failure. {@code message} is the provider's own text, kept so the caller
 * learns what the provider said; {@code status} is the upstream HTTP status, or 0 when no
 * response arrived (connection failure, timeout).
 */
public record UpstreamError(
        ErrorClass errorClass, int status, String message, String code, String param, Duration retryAfter) {

    public static UpstreamError of(ErrorClass errorClass, String message) {
        return new UpstreamError(errorClass, 0, message, null, null, null);
    }
}
