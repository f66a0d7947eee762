package dev.gatehouse.dialect.anthropic;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiJson;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Errors in Anthropic's shape, {@code {"type":"error","error":{"type":"...","message":"..."}}},
 * with Anthropic's error type names, as a response body or as an in-band {@code event: error}.
 */
public final class AnthropicErrors {
    private AnthropicErrors() {}

    /** Anthropic's error type for a gateway error. */
    static String type(GatewayException e) {
        return switch (e.type()) {
            case INVALID_REQUEST, METHOD_NOT_ALLOWED, UNSUPPORTED_MEDIA_TYPE, UNPROCESSABLE, CLIENT_CLOSED, REQUEST_TIMEOUT -> "invalid_request_error";
            case AUTHENTICATION -> "authentication_error";
            case PERMISSION -> "permission_error";
            case NOT_FOUND -> "not_found_error";
            case PAYLOAD_TOO_LARGE -> "request_too_large";
            case RATE_LIMIT, INSUFFICIENT_QUOTA -> "rate_limit_error";
            case UNAVAILABLE -> "upstream_overloaded".equals(e.code()) ? "overloaded_error" : "api_error";
            case TIMEOUT -> "timeout_error";
            case INTERNAL, UPSTREAM -> "api_error";
        };
    }

    public static Buffer body(GatewayException e) {
        return Buffer.buffer(bytes(type(e), e.getMessage(), code(e)));
    }

    /** The error as an SSE event, for failures after a stream has started. */
    public static Buffer sseEvent(GatewayException e) {
        return Buffer.buffer("event: error\ndata: ").appendBytes(bytes(type(e), e.getMessage(), code(e))).appendString("\n\n");
    }

    static byte[] bytes(String type, String message) {
        return bytes(type, message, null);
    }

    /**
     * The gateway's own machine-readable code, for the errors whose callers need one beyond
     * Anthropic's types: a guardrail's block. Anthropic's SDKs keep unknown fields of the error.
     */
    static String code(GatewayException e) {
        return e.code() != null && e.code().startsWith("guardrail_") ? e.code() : null;
    }

    static byte[] bytes(String type, String message, String code) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = OpenAiJson.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", "error");
            g.writeObjectFieldStart("error");
            g.writeStringField("type", type);
            g.writeStringField("message", message == null ? "" : message);
            if (code != null) {
                g.writeStringField("code", code);
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
