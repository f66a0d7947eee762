package dev.gatehouse.dialect.gemini;

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
import java.time.Duration;
import java.util.Locale;

/**
 * Google's Gemini API ({@code generateContent}, {@code streamGenerateContent?alt=sse},
 * {@code batchEmbedContents}) to and from the canonical model. See docs/providers/gemini.md for the
 * translation table; everything Gemini cannot express is refused with a 400 naming the feature
 * and the model, never dropped.
 *
 * <p>One class per direction: {@link GeminiRequestEncoder} (canonical request to Gemini's),
 * {@link GeminiResponseDecoder} (Gemini's answer to canonical), {@link GeminiStreamDecoder}
 * (streamed answers) and {@link GeminiToolCallIds} (the ids both directions share). This class
 * joins them behind {@link WireCodec} and classifies Gemini's errors.
 */
public final class GeminiWireCodec implements WireCodec {
    static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public WireFormat format() {
        return WireFormat.GEMINI;
    }

    // ================================================================ requests and answers

    @Override
    public Buffer encodeChat(ChatRequest r) {
        return GeminiRequestEncoder.encodeChat(r);
    }

    @Override
    public ChatResponse decodeChat(Buffer body) {
        return GeminiResponseDecoder.decodeChat(body);
    }

    @Override
    public StreamDecoder streamDecoder() {
        return new GeminiStreamDecoder(false);
    }

    /** Gemini has no switch for parallel_tool_calls: false, so only the answer's first function call is passed on. */
    @Override
    public ChatResponse decodeChat(Buffer body, ChatRequest request) {
        ChatResponse r = decodeChat(body);
        if (!firstCallOnly(request) || r.toolCalls().size() <= 1) {
            return r;
        }
        return new ChatResponse(r.id(), r.model(), r.created(), r.content(), r.toolCalls().subList(0, 1), r.finishReason(),
                r.usage(), r.extra());
    }

    @Override
    public StreamDecoder streamDecoder(ChatRequest request) {
        return new GeminiStreamDecoder(firstCallOnly(request));
    }

    static boolean firstCallOnly(ChatRequest request) {
        return request != null && Boolean.FALSE.equals(request.parallelToolCalls());
    }

    @Override
    public Buffer encodeEmbeddings(EmbeddingRequest r) {
        return GeminiRequestEncoder.encodeEmbeddings(r);
    }

    @Override
    public EmbeddingResponse decodeEmbeddings(Buffer body) {
        return GeminiResponseDecoder.decodeEmbeddings(body);
    }

    // ================================================================ errors

    @Override
    public UpstreamError classify(int status, MultiMap headers, Buffer body) {
        String text = body == null ? "" : body.toString(StandardCharsets.UTF_8);
        JsonNode error = null;
        try {
            JsonNode root = text.isBlank() ? null : MAPPER.readTree(text);
            // Google answers {"error":{...}}; streamed errors sometimes arrive as [{"error":{...}}].
            if (root != null && root.isArray()) {
                root = root.path(0);
            }
            error = root == null ? null : root.get("error");
        } catch (IOException notJson) {
            // an HTML page from a proxy: keep a readable piece of it
        }
        if (error == null || !error.isObject()) {
            String snippet = Excerpt.truncate(text.replaceAll("\\s+", " ").strip());
            return new UpstreamError(classOf(status, null, ""), status,
                    "Upstream returned HTTP " + status + (snippet.isEmpty() ? "" : ": " + snippet), null, null, retryAfter(headers, null));
        }
        return classifyError(status, error, headers);
    }

    static UpstreamError classifyError(int status, JsonNode error, MultiMap headers) {
        String message = error.path("message").asText("Gemini returned HTTP " + status);
        String grpc = error.path("status").asText(null);
        int code = status > 0 ? status : error.path("code").asInt(0);
        ErrorClass cls = classOf(code, grpc, message);
        for (JsonNode d : error.path("details")) {
            if ("API_KEY_INVALID".equals(d.path("reason").asText())) {
                cls = ErrorClass.AUTHENTICATION;
            }
        }
        String callerCode = cls == ErrorClass.RATE_LIMIT || cls == ErrorClass.CONTEXT_LENGTH ? null
                : grpc == null ? null : grpc.toLowerCase(Locale.ROOT);
        return new UpstreamError(cls, code, message, callerCode, null, retryAfter(headers, error));
    }

    static ErrorClass classOf(int status, String grpc, String message) {
        String lower = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (lower.contains("input token count") || lower.contains("exceeds the maximum number of tokens")
                || lower.contains("context window")) {
            return ErrorClass.CONTEXT_LENGTH;
        }
        if (lower.contains("api key not valid") || lower.contains("api_key_invalid")) {
            return ErrorClass.AUTHENTICATION;
        }
        if (grpc != null) {
            switch (grpc) {
                case "RESOURCE_EXHAUSTED": return ErrorClass.RATE_LIMIT;
                case "UNAVAILABLE": return ErrorClass.OVERLOADED;
                case "DEADLINE_EXCEEDED": return ErrorClass.TIMEOUT;
                case "INTERNAL", "UNKNOWN": return ErrorClass.UPSTREAM_ERROR;
                case "UNAUTHENTICATED": return ErrorClass.AUTHENTICATION;
                case "PERMISSION_DENIED": return ErrorClass.PERMISSION;
                case "NOT_FOUND": return ErrorClass.NOT_FOUND;
                case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE": return ErrorClass.BAD_REQUEST;
                default: break;
            }
        }
        return switch (status) {
            case 429 -> ErrorClass.RATE_LIMIT;
            case 503 -> ErrorClass.OVERLOADED;
            case 408, 504 -> ErrorClass.TIMEOUT;
            case 401 -> ErrorClass.AUTHENTICATION;
            case 403 -> ErrorClass.PERMISSION;
            case 404 -> ErrorClass.NOT_FOUND;
            default -> status >= 400 && status < 500 ? ErrorClass.BAD_REQUEST : ErrorClass.UPSTREAM_ERROR;
        };
    }

    /** Retry-After (seconds or an HTTP date) if sent, else google.rpc.RetryInfo's retryDelay ("37s", "0.5s"). */
    static Duration retryAfter(MultiMap headers, JsonNode error) {
        Duration header = RetryAfter.of(headers);
        if (header != null) {
            return header;
        }
        if (error != null) {
            for (JsonNode d : error.path("details")) {
                String delay = d.path("retryDelay").asText("");
                if (d.path("@type").asText("").endsWith("google.rpc.RetryInfo") && delay.endsWith("s")) {
                    return RetryAfter.seconds(delay.substring(0, delay.length() - 1));
                }
            }
        }
        return null;
    }

    // ================================================================ helpers

    static GatewayException unsupported(String feature, String model, String param) {
        return UpstreamJson.unsupported("Gemini", feature, model, param);
    }

    static JsonNode read(Buffer body) {
        return UpstreamJson.object(body, "Gemini");
    }

    static String write(JsonNode node) {
        return UpstreamJson.write(node);
    }
}
