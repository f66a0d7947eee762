package dev.gatehouse.dialect.mistral;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.dialect.openai.OpenAiWireCodec;
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
 * Mistral's chat and embeddings APIs: answers and streams are OpenAI's shapes (decoded by the
 * OpenAI codec); requests differ in a few fields ({@link MistralRequestEncoder}); errors have
 * Mistral's own shape: {@code {"object":"error","message":...,"type":...,"code":...}} where a 422's
 * message is an object of validation {@code detail}s.
 */
public final class MistralWireCodec implements WireCodec {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final OpenAiWireCodec OPENAI = new OpenAiWireCodec();

    /** Its own format, so OpenAI callers are translated rather than passed through as OpenAI bytes. */
    @Override
    public WireFormat format() {
        return WireFormat.MISTRAL;
    }

    @Override
    public Buffer encodeChat(ChatRequest request) {
        return MistralRequestEncoder.encodeChat(OPENAI, request);
    }

    @Override
    public ChatResponse decodeChat(Buffer body) {
        return OPENAI.decodeChat(body);
    }

    @Override
    public StreamDecoder streamDecoder() {
        return OPENAI.streamDecoder();
    }

    @Override
    public Buffer encodeEmbeddings(EmbeddingRequest request) {
        return OPENAI.encodeEmbeddings(request);
    }

    @Override
    public EmbeddingResponse decodeEmbeddings(Buffer body) {
        return OPENAI.decodeEmbeddings(body);
    }

    @Override
    public UpstreamError classify(int status, MultiMap headers, Buffer body) {
        String text = body == null ? "" : body.toString(StandardCharsets.UTF_8);
        String message = null;
        String type = null;
        String code = null;
        String param = null;
        try {
            JsonNode root = text.isBlank() ? null : MAPPER.readTree(text);
            if (root != null && root.isObject()) {
                JsonNode m = root.get("message");
                if (m != null && m.isTextual()) {
                    message = m.asText();
                } else if (m != null && m.has("detail")) {
                    message = details(m.get("detail"));
                    JsonNode first = m.path("detail").path(0).path("loc");
                    if (first.isArray() && first.size() > 1) {
                        param = first.get(first.size() - 1).asText();
                    }
                } else if (root.path("detail").isArray()) {
                    message = details(root.get("detail"));
                }
                type = root.path("type").asText(null);
                code = root.path("code").isNull() ? null : root.path("code").asText(null);
            }
        } catch (IOException notJson) {
            // quoted below
        }
        if (message == null) {
            String snippet = Excerpt.truncate(text.replaceAll("\\s+", " ").strip());
            message = "Mistral returned HTTP " + status + (snippet.isEmpty() ? "" : ": " + snippet);
        }
        return new UpstreamError(classOf(status, message), status, message, status == 429 ? null : type, param,
                RetryAfter.of(headers));
    }

    /** Pydantic-style validation details as one readable line: "body.messages.0.role: Input should be ...". */
    private static String details(JsonNode detail) {
        StringBuilder out = new StringBuilder();
        for (JsonNode d : detail) {
            if (!out.isEmpty()) {
                out.append("; ");
            }
            StringBuilder loc = new StringBuilder();
            for (JsonNode l : d.path("loc")) {
                loc.append(loc.isEmpty() ? "" : ".").append(l.asText());
            }
            out.append(loc).append(loc.isEmpty() ? "" : ": ").append(d.path("msg").asText(""));
        }
        return out.toString();
    }

    static ErrorClass classOf(int status, String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("too large for model") || lower.contains("context length") || lower.contains("too many tokens")) {
            return ErrorClass.CONTEXT_LENGTH;
        }
        return switch (status) {
            case 429 -> ErrorClass.RATE_LIMIT;
            case 408, 504 -> ErrorClass.TIMEOUT;
            case 503, 529 -> ErrorClass.OVERLOADED;
            case 401 -> ErrorClass.AUTHENTICATION;
            case 403 -> ErrorClass.PERMISSION;
            case 404 -> ErrorClass.NOT_FOUND;
            default -> status >= 400 && status < 500 ? ErrorClass.BAD_REQUEST : ErrorClass.UPSTREAM_ERROR;
        };
    }

    static String write(JsonNode node) {
        return UpstreamJson.write(node);
    }
}
