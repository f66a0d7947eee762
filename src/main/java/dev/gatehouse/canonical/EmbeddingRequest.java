package dev.gatehouse.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** Texts to embed. {@code dimensions} and {@code encodingFormat} are null when not set. */
public record EmbeddingRequest(
        String model, List<String> inputs, Integer dimensions, String encodingFormat, String user,
        Map<String, JsonNode> extra) {

    public EmbeddingRequest {
        inputs = List.copyOf(inputs);
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }
}
