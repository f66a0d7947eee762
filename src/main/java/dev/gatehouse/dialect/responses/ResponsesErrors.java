package dev.gatehouse.dialect.responses;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import io.vertx.core.buffer.Buffer;

/**
 * Errors for Responses callers: a whole-body error is OpenAI's usual error object; a failure after
 * the stream began is a {@code response.failed} event ({@link ResponsesStreamEncoder#error}) whose
 * {@code error.code} comes from {@link #code}.
 */
public final class ResponsesErrors {
    private ResponsesErrors() {}

    public static Buffer body(GatewayException e) {
        return OpenAiErrors.body(e);
    }

    /** The {@code response.error.code} OpenAI uses for a failure of this kind. */
    static String code(GatewayException e) {
        return switch (e.type()) {
            case RATE_LIMIT, INSUFFICIENT_QUOTA -> "rate_limit_exceeded";
            case INVALID_REQUEST, UNPROCESSABLE -> "invalid_prompt";
            default -> "server_error";
        };
    }
}
