package dev.gatehouse.dialect.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.canonical.ResponseFormat;
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
 * AWS Bedrock's Converse and ConverseStream APIs to and from the canonical model: one class per
 * direction ({@link BedrockRequestEncoder}, {@link BedrockResponseDecoder}, {@link BedrockStreamDecoder}
 * over {@link EventStreamDecoder}); this class joins them and classifies Bedrock's errors.
 */
public final class BedrockWireCodec implements WireCodec {
    static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public WireFormat format() {
        return WireFormat.BEDROCK;
    }

    @Override
    public Buffer encodeChat(ChatRequest request) {
        return BedrockRequestEncoder.encodeChat(request);
    }

    @Override
    public ChatResponse decodeChat(Buffer body) {
        return BedrockResponseDecoder.decodeChat(body, false);
    }

    @Override
    public ChatResponse decodeChat(Buffer body, ChatRequest request) {
        return BedrockResponseDecoder.decodeChat(body, jsonOutput(request));
    }

    @Override
    public StreamDecoder streamDecoder() {
        return new BedrockStreamDecoder(false);
    }

    @Override
    public StreamDecoder streamDecoder(ChatRequest request) {
        return new BedrockStreamDecoder(jsonOutput(request));
    }

    private static boolean jsonOutput(ChatRequest request) {
        return request != null && (request.responseFormat() instanceof ResponseFormat.JsonObject
                || request.responseFormat() instanceof ResponseFormat.JsonSchema);
    }

    @Override
    public Buffer encodeEmbeddings(EmbeddingRequest request) {
        throw GatewayException.invalid("Bedrock embeddings (InvokeModel with Titan or Cohere embedders) are not served through "
                + "this provider kind; model '" + request.model() + "' cannot be used for embeddings.", "model");
    }

    @Override
    public EmbeddingResponse decodeEmbeddings(Buffer body) {
        throw new UnsupportedOperationException("no embeddings on Bedrock Converse");
    }

    // ================================================================ errors

    /**
     * Bedrock names the error in {@code x-amzn-ErrorType} ({@code ThrottlingException:http://...}),
     * or in the body's {@code __type}; the body's {@code message} (or {@code Message}) is the text.
     */
    @Override
    public UpstreamError classify(int status, MultiMap headers, Buffer body) {
        String text = body == null ? "" : body.toString(StandardCharsets.UTF_8);
        String type = headers == null ? null : headers.get("x-amzn-ErrorType");
        String message = null;
        try {
            JsonNode root = text.isBlank() ? null : MAPPER.readTree(text);
            if (root != null && root.isObject()) {
                message = root.has("message") ? root.path("message").asText() : root.path("Message").asText(null);
                if (type == null) {
                    type = root.path("__type").asText(null);
                }
            }
        } catch (IOException notJson) {
            // a proxy's page: quoted below
        }
        if (message == null) {
            String snippet = Excerpt.truncate(text.replaceAll("\\s+", " ").strip());
            message = "Bedrock returned HTTP " + status + (snippet.isEmpty() ? "" : ": " + snippet);
        }
        return classify(status, type, message, headers);
    }

    /** @param type an exception name in any of Bedrock's spellings: header, {@code __type} or stream {@code :exception-type} */
    static UpstreamError classify(int status, String type, String message, MultiMap headers) {
        String name = exceptionName(type);
        ErrorClass cls = classOf(status, name, message);
        String code = cls == ErrorClass.RATE_LIMIT || cls == ErrorClass.CONTEXT_LENGTH || name == null ? null : name;
        return new UpstreamError(cls, status, message, code, null, RetryAfter.of(headers));
    }

    /** "ThrottlingException:http://internal..." / "com.amazon.bedrock#ThrottlingException" / "throttlingException" → "ThrottlingException". */
    static String exceptionName(String type) {
        if (type == null || type.isBlank()) {
            return null;
        }
        String name = type;
        int colon = name.indexOf(':');
        if (colon >= 0) {
            name = name.substring(0, colon);
        }
        int hash = name.lastIndexOf('#');
        if (hash >= 0) {
            name = name.substring(hash + 1);
        }
        return name.isEmpty() ? null : Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }

    /** Whether this failure is an expired (or otherwise stale) security token: re-resolving credentials helps. */
    static boolean expiredToken(String name, String message) {
        String lower = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return "ExpiredTokenException".equals(name) || "ExpiredToken".equals(name)
                || lower.contains("security token included in the request is expired")
                || lower.contains("the security token included in the request is invalid") && "UnrecognizedClientException".equals(name);
    }

    static ErrorClass classOf(int status, String name, String message) {
        String lower = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (lower.contains("input is too long") || lower.contains("too many input tokens") || lower.contains("context window")
                || lower.contains("prompt is too long")) {
            return ErrorClass.CONTEXT_LENGTH;
        }
        if (name != null) {
            switch (name) {
                case "ThrottlingException", "ServiceQuotaExceededException", "TooManyRequestsException": return ErrorClass.RATE_LIMIT;
                case "ModelNotReadyException", "ServiceUnavailableException": return ErrorClass.OVERLOADED;
                case "ModelTimeoutException": return ErrorClass.TIMEOUT;
                case "InternalServerException", "ModelErrorException", "ModelStreamErrorException": return ErrorClass.UPSTREAM_ERROR;
                case "AccessDeniedException": return ErrorClass.PERMISSION;
                case "ResourceNotFoundException": return ErrorClass.NOT_FOUND;
                case "ExpiredTokenException", "UnrecognizedClientException", "InvalidSignatureException",
                        "IncompleteSignatureException", "MissingAuthenticationTokenException", "ExpiredToken":
                    return ErrorClass.AUTHENTICATION;
                case "ValidationException", "ConflictException": return ErrorClass.BAD_REQUEST;
                default: break;
            }
        }
        return switch (status) {
            case 429 -> ErrorClass.RATE_LIMIT;
            case 503 -> ErrorClass.OVERLOADED;
            case 408 -> ErrorClass.TIMEOUT;
            case 401 -> ErrorClass.AUTHENTICATION;
            case 403 -> ErrorClass.PERMISSION;
            case 404 -> ErrorClass.NOT_FOUND;
            default -> status >= 400 && status < 500 ? ErrorClass.BAD_REQUEST : ErrorClass.UPSTREAM_ERROR;
        };
    }

    // ================================================================ helpers

    static GatewayException unsupported(String feature, String model, String param) {
        return UpstreamJson.unsupported("Bedrock", feature, model, param);
    }

    static JsonNode read(Buffer body) {
        return UpstreamJson.object(body, "Bedrock");
    }

    static String write(JsonNode node) {
        return UpstreamJson.write(node);
    }
}
