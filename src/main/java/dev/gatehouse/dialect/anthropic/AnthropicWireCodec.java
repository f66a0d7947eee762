package dev.gatehouse.dialect.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.canonical.ResponseFormat;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Excerpt;
import dev.gatehouse.provider.RetryAfter;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.WireCodec;
import dev.gatehouse.provider.WireFormat;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Anthropic's Messages API wire format. Requests are built as trees because turns must be merged
 * (Anthropic wants user and assistant to alternate, tool results inside user turns), which a
 * single forward pass cannot do. Whatever the Messages API cannot express is refused with a 400
 * naming the feature and the model, never dropped.
 *
 * <p>One class per direction: {@link AnthropicRequestEncoder} (canonical request to Anthropic's),
 * {@link AnthropicResponseDecoder} (Anthropic's answer to canonical) and {@link AnthropicStreamDecoder}
 * (streamed answers). This class joins them behind {@link WireCodec} and classifies Anthropic's errors.
 */
public final class AnthropicWireCodec implements WireCodec {

    @Override
    public WireFormat format() {
        return WireFormat.ANTHROPIC;
    }

    // ---------------------------------------------------------------- requests and answers

    @Override
    public Buffer encodeChat(ChatRequest r) {
        return AnthropicRequestEncoder.encodeChat(r);
    }

    @Override
    public ChatResponse decodeChat(Buffer body) {
        return AnthropicResponseDecoder.decodeChat(body);
    }

    @Override
    public StreamDecoder streamDecoder() {
        return new AnthropicStreamDecoder();
    }

    /** With JSON output asked for, text around the forced JSON tool is dropped (see AnthropicStreamDecoder). */
    @Override
    public StreamDecoder streamDecoder(ChatRequest request) {
        return new AnthropicStreamDecoder(request != null && (request.responseFormat() instanceof ResponseFormat.JsonObject
                || request.responseFormat() instanceof ResponseFormat.JsonSchema));
    }

    @Override
    public Buffer encodeEmbeddings(EmbeddingRequest request) {
        return AnthropicRequestEncoder.encodeEmbeddings(request);
    }

    @Override
    public EmbeddingResponse decodeEmbeddings(Buffer body) {
        throw new UnsupportedOperationException("Anthropic has no embeddings API");
    }

    // ---------------------------------------------------------------- errors

    @Override
    public UpstreamError classify(int status, MultiMap headers, Buffer body) {
        String text = body == null ? "" : body.toString(StandardCharsets.UTF_8);
        String type = null;
        String message = null;
        try {
            JsonNode root = text.isBlank() ? null : OpenAiJson.MAPPER.readTree(text);
            JsonNode err = root == null ? null : root.get("error");
            if (err != null && err.isObject()) {
                type = err.path("type").isTextual() ? err.path("type").textValue() : null;
                message = err.path("message").isTextual() ? err.path("message").textValue() : null;
            }
        } catch (IOException notJson) {
            // a proxy's HTML page: keep a readable piece of it below
        }
        if (message == null) {
            String snippet = Excerpt.truncate(text.replaceAll("\\s+", " ").strip());
            message = "Upstream returned HTTP " + status + (snippet.isEmpty() ? "" : ": " + snippet);
        }
        return new UpstreamError(classOf(status, type, message), status, message, type, null, RetryAfter.of(headers));
    }

    /** An {@code error} event inside a 200 stream. */
    static UpstreamError classifyInBand(JsonNode error) {
        String type = error.path("type").asText(null);
        String message = error.path("message").asText("Upstream reported an error mid-stream");
        return new UpstreamError(classOf(0, type, message), 200, message, type, null, null);
    }

    static ErrorClass classOf(int status, String type, String message) {
        String lower = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (lower.contains("prompt is too long") || lower.contains("context window")) {
            return ErrorClass.CONTEXT_LENGTH;
        }
        if (type != null) {
            switch (type) {
                case "rate_limit_error": return ErrorClass.RATE_LIMIT;
                case "overloaded_error": return ErrorClass.OVERLOADED;
                case "authentication_error": return ErrorClass.AUTHENTICATION;
                case "permission_error", "billing_error": return ErrorClass.PERMISSION;
                case "not_found_error": return ErrorClass.NOT_FOUND;
                case "timeout_error": return ErrorClass.TIMEOUT;
                case "invalid_request_error", "request_too_large": return ErrorClass.BAD_REQUEST;
                case "api_error": return ErrorClass.UPSTREAM_ERROR;
                default: break;
            }
        }
        return switch (status) {
            case 429 -> ErrorClass.RATE_LIMIT;
            case 529, 503 -> ErrorClass.OVERLOADED;
            case 401 -> ErrorClass.AUTHENTICATION;
            case 402, 403 -> ErrorClass.PERMISSION;
            case 404 -> ErrorClass.NOT_FOUND;
            case 408, 504 -> ErrorClass.TIMEOUT;
            default -> status >= 400 && status < 500 ? ErrorClass.BAD_REQUEST : ErrorClass.UPSTREAM_ERROR;
        };
    }
}
