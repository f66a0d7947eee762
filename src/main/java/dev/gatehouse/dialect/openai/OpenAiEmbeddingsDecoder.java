package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsScan;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** OpenAI embeddings request to the canonical model (text inputs only: token ids cannot be translated). */
public final class OpenAiEmbeddingsDecoder {
    private static final Set<String> KNOWN = Set.of("model", "input", "dimensions", "encoding_format", "user");

    private OpenAiEmbeddingsDecoder() {}

    public static EmbeddingRequest decode(Buffer body) {
        OpenAiEmbeddingsScan scan = OpenAiEmbeddingsScan.scan(body); // same validation and messages as the fast path
        if (scan.tokenInput()) {
            throw GatewayException.invalid("Token-id input cannot be sent to this model's provider; send the input as text.", "input");
        }
        JsonNode root = OpenAiJson.readRequestTree(body);
        JsonNode input = root.get("input");
        List<String> inputs = new ArrayList<>();
        if (input.isTextual()) {
            inputs.add(input.textValue());
        } else {
            input.forEach(n -> inputs.add(n.textValue()));
        }
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        root.properties().forEach(e -> {
            if (!KNOWN.contains(e.getKey())) {
                extra.put(e.getKey(), e.getValue());
            }
        });
        return new EmbeddingRequest(scan.model(), inputs, scan.dimensions(), scan.encodingFormat(),
                OpenAiChatDecoder.optionalString(root, "user", "user"), extra);
    }
}
