package dev.gatehouse.gateway;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.provider.UpstreamError;

/**
 * Turns a classified upstream failure into what the caller sees. The provider's own message is
 * kept (prefixed with which provider said it) because it is usually the most useful thing the
 * caller can read; upstream credential problems become 502s because they are the gateway
 * operator's to fix, not the caller's.
 */
final class UpstreamErrors {
    private UpstreamErrors() {}

    static GatewayException toCaller(UpstreamError error, String provider) {
        String said = "provider '" + provider + "': " + (error.message() == null ? "no message" : error.message());
        return switch (error.errorClass()) {
            case RATE_LIMIT -> new GatewayException(ErrorType.RATE_LIMIT, said, error.param(),
                    error.code() == null ? "rate_limit_exceeded" : error.code(), error.retryAfter(), 0);
            case OVERLOADED -> new GatewayException(ErrorType.UNAVAILABLE, said, null, "upstream_overloaded");
            case TIMEOUT -> new GatewayException(ErrorType.TIMEOUT, said, null, "upstream_timeout");
            case CONNECTION -> new GatewayException(ErrorType.UPSTREAM, said, null, "upstream_unreachable");
            case CONTEXT_LENGTH -> new GatewayException(ErrorType.INVALID_REQUEST, said,
                    error.param() == null ? "messages" : error.param(), "context_length_exceeded");
            case CONTENT_POLICY -> new GatewayException(ErrorType.INVALID_REQUEST, said, error.param(),
                    error.code() == null ? "content_policy_violation" : error.code());
            case BAD_REQUEST -> new GatewayException(ErrorType.INVALID_REQUEST, said, error.param(), error.code());
            case AUTHENTICATION, PERMISSION -> new GatewayException(ErrorType.UPSTREAM,
                    "provider '" + provider + "' rejected the gateway's credentials (status " + error.status()
                            + "); the gateway operator must fix the provider key: " + error.message(),
                    null, "upstream_auth_failed");
            case NOT_FOUND -> new GatewayException(ErrorType.UPSTREAM, said, null, "upstream_not_found");
            case UPSTREAM_ERROR -> new GatewayException(ErrorType.UPSTREAM, said, null, "upstream_error");
        };
    }
}
