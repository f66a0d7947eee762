package dev.gatehouse.dialect.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.gemini.GeminiWireCodec;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.WireCodec;
import dev.gatehouse.provider.WireFormat;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * The wire format of the model's publisher (Gemini's for Google models, the Messages API for
 * Anthropic's), unchanged on Vertex, with Vertex's own errors read as Google errors and a refusal
 * of the project or region saying which project and region were asked for.
 */
final class VertexWireCodec implements WireCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final GeminiWireCodec GOOGLE_ERRORS = new GeminiWireCodec();

    private final WireCodec publisher;
    private final String project;
    private final String region;

    VertexWireCodec(WireCodec publisher, String project, String region) {
        this.publisher = publisher;
        this.project = project;
        this.region = region;
    }

    @Override
    public WireFormat format() {
        return publisher.format();
    }

    @Override
    public Buffer encodeChat(ChatRequest request) {
        return publisher.encodeChat(request);
    }

    @Override
    public ChatResponse decodeChat(Buffer body) {
        return publisher.decodeChat(body);
    }

    @Override
    public ChatResponse decodeChat(Buffer body, ChatRequest request) {
        return publisher.decodeChat(body, request);
    }

    @Override
    public StreamDecoder streamDecoder() {
        return publisher.streamDecoder();
    }

    @Override
    public StreamDecoder streamDecoder(ChatRequest request) {
        return publisher.streamDecoder(request);
    }

    @Override
    public Buffer encodeEmbeddings(EmbeddingRequest request) {
        throw GatewayException.invalid("Embeddings are not served by Vertex AI providers in this version (model '"
                + request.model() + "'); use a gemini provider with an AI Studio key.", "model");
    }

    @Override
    public EmbeddingResponse decodeEmbeddings(Buffer body) {
        throw new UnsupportedOperationException("no Vertex embeddings");
    }

    /**
     * Vertex's own refusals (auth, quota, unknown project or location) are Google errors whatever the
     * publisher; an Anthropic model's errors come in Anthropic's shape.
     */
    @Override
    public UpstreamError classify(int status, MultiMap headers, Buffer body) {
        UpstreamError error = googleShaped(body) || publisher.format() == WireFormat.GEMINI
                ? GOOGLE_ERRORS.classify(status, headers, body) : publisher.classify(status, headers, body);
        if (error.errorClass() == ErrorClass.NOT_FOUND || error.errorClass() == ErrorClass.PERMISSION
                || (status == 400 && mentionsLocation(error.message()))) {
            return new UpstreamError(error.errorClass(), error.status(), "Vertex AI refused project '" + project
                    + "' in region '" + region + "': " + error.message()
                    + " (check that the project id is right, Vertex AI is enabled in it, the credentials may use it,"
                    + " and the model is offered in that region)", error.code(), error.param(), error.retryAfter());
        }
        return error;
    }

    private static boolean mentionsLocation(String message) {
        String lower = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
        return lower.contains("location") || lower.contains("region");
    }

    private static boolean googleShaped(Buffer body) {
        if (body == null || body.length() == 0) {
            return false;
        }
        try {
            JsonNode root = MAPPER.readTree(body.getBytes());
            if (root != null && root.isArray()) {
                root = root.path(0);
            }
            JsonNode error = root == null ? null : root.get("error");
            return error != null && error.isObject() && (error.has("status") || error.path("code").isNumber());
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }
}
