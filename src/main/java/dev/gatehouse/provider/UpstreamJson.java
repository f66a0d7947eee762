package dev.gatehouse.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * What the tree-based dialects (Gemini, Bedrock, Cohere, Mistral) share: reading an upstream's
 * answer as a JSON object, writing a request tree, and refusing a feature a provider cannot do.
 */
public final class UpstreamJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private UpstreamJson() {}

    /**
     * The upstream's answer as a JSON object; anything else is an upstream error quoting (a
     * truncated excerpt of) what the provider sent.
     *
     * @param provider the provider's name, as users know it ("Gemini", "Bedrock", ...)
     */
    public static JsonNode object(Buffer body, String provider) {
        try {
            JsonNode root = MAPPER.readTree(body.getBytes());
            if (root != null && root.isObject()) {
                return root;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new UpstreamException(new UpstreamError(ErrorClass.UPSTREAM_ERROR, 200,
                provider + " sent a response that is not a JSON object: " + Excerpt.truncate(body.toString(StandardCharsets.UTF_8)),
                null, null, null));
    }

    /** A request tree as JSON text; a tree built by the gateway always serializes. */
    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A 400 for a feature the provider cannot do faithfully, naming the feature and the model. */
    public static GatewayException unsupported(String provider, String feature, String model, String param) {
        return new GatewayException(ErrorType.INVALID_REQUEST,
                provider + " model '" + model + "' does not support " + feature + "; remove it or use another model.",
                param, "unsupported_parameter");
    }
}
