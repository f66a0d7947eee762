package dev.gatehouse.dialect.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Excerpt;
import dev.gatehouse.provider.RetryAfter;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamJson;
import dev.gatehouse.provider.WireCodec;
import dev.gatehouse.provider.WireFormat;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Cohere's v2 API ({@code /v2/chat}, its stream, {@code /v2/embed}) to and from the canonical
 * model; errors are {@code {"message": "..."}} with the HTTP status saying what kind.
 */
public final class CohereWireCodec implements WireCodec {
    static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public WireFormat format() {
        return WireFormat.COHERE;
    }

    @Override
    public Buffer encodeChat(ChatRequest request) {
        return CohereRequestEncoder.encodeChat(request);
    }

    @Override
    public ChatResponse decodeChat(Buffer body) {
        return CohereResponseDecoder.decodeChat(body);
    }

    @Override
    public StreamDecoder streamDecoder() {
        return new CohereStreamDecoder();
    }

    @Override
    public Buffer encodeEmbeddings(EmbeddingRequest request) {
        return CohereRequestEncoder.encodeEmbeddings(request);
    }

    @Override
    public EmbeddingResponse decodeEmbeddings(Buffer body) {
        return CohereResponseDecoder.decodeEmbeddings(body);
    }

    @Override
    public UpstreamError classify(int status, MultiMap headers, Buffer body) {
        String text = body == null ? "" : body.toString(StandardCharsets.UTF_8);
        String message = null;
        try {
            JsonNode root = text.isBlank() ? null : MAPPER.readTree(text);
            if (root != null && root.path("message").isTextual()) {
                message = root.path("message").asText();
            }
        } catch (IOException notJson) {
            // quoted below
        }
        if (message == null) {
            String snippet = Excerpt.truncate(text.replaceAll("\\s+", " ").strip());
            message = "Cohere returned HTTP " + status + (snippet.isEmpty() ? "" : ": " + snippet);
        }
        String lower = message.toLowerCase(Locale.ROOT);
        ErrorClass cls = lower.contains("too many tokens") || lower.contains("context length") ? ErrorClass.CONTEXT_LENGTH
                : switch (status) {
                    case 429 -> ErrorClass.RATE_LIMIT;
                    case 401, 498 -> ErrorClass.AUTHENTICATION; // 498: invalid token
                    case 403 -> ErrorClass.PERMISSION;
                    case 404 -> ErrorClass.NOT_FOUND;
                    case 408, 504 -> ErrorClass.TIMEOUT;
                    case 503 -> ErrorClass.OVERLOADED;
                    default -> status >= 400 && status < 500 ? ErrorClass.BAD_REQUEST : ErrorClass.UPSTREAM_ERROR;
                };
        return new UpstreamError(cls, status, message, null, null, RetryAfter.of(headers));
    }

    static GatewayException unsupported(String feature, String model, String param) {
        return UpstreamJson.unsupported("Cohere", feature, model, param);
    }

    static JsonNode read(Buffer body) {
        return UpstreamJson.object(body, "Cohere");
    }

    static String write(JsonNode node) {
        return UpstreamJson.write(node);
    }
}
