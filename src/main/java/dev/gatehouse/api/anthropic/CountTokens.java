package dev.gatehouse.api.anthropic;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;

/** The bounds of {@code POST /v1/messages/count_tokens}. */
final class CountTokens {
    /**
     * 8 MiB: some two million tokens of text, beyond every model's context window; a bigger
     * prompt cannot be sent anyway, and tokenizing it costs seconds of a core.
     */
    static final int MAX_BODY_BYTES = 8 * 1024 * 1024;

    private CountTokens() {}

    static GatewayException tooLarge() {
        return new GatewayException(ErrorType.PAYLOAD_TOO_LARGE, "count_tokens accepts request bodies up to "
                + (MAX_BODY_BYTES >> 20) + " MiB; this prompt is larger than any model's context window.", null, "request_too_large");
    }
}
