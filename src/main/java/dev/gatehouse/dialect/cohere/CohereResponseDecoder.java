package dev.gatehouse.dialect.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.Usage;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Cohere v2 answers to canonical: text, tool calls, finish reason, usage; citations kept as an extra field. */
final class CohereResponseDecoder {
    private CohereResponseDecoder() {}

    static ChatResponse decodeChat(Buffer body) {
        JsonNode root = CohereWireCodec.read(body);
        JsonNode message = root.path("message");
        List<ContentPart> content = new ArrayList<>();
        for (JsonNode part : message.path("content")) {
            if ("text".equals(part.path("type").asText())) {
                content.add(new ContentPart.Text(part.path("text").asText()));
            }
        }
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode c : message.path("tool_calls")) {
            calls.add(new ToolCall(c.path("id").asText(), c.path("function").path("name").asText(),
                    c.path("function").path("arguments").asText("{}")));
        }
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        if (message.path("citations").isArray() && !message.path("citations").isEmpty()) {
            extra.put("citations", message.get("citations")); // where the answer's text came from (documents, tool results)
        }
        return new ChatResponse(root.path("id").asText(null), null, System.currentTimeMillis() / 1000, content, calls,
                finishReason(root.path("finish_reason").asText("")), usage(root.path("usage")), extra);
    }

    static FinishReason finishReason(String reason) {
        return switch (reason) {
            case "MAX_TOKENS" -> FinishReason.LENGTH;
            case "TOOL_CALL" -> FinishReason.TOOL_CALLS;
            case "ERROR", "ERROR_TOXIC", "ERROR_LIMIT" -> FinishReason.ERROR;
            default -> FinishReason.STOP; // COMPLETE, STOP_SEQUENCE
        };
    }

    /** {@code usage.tokens} are what the model read and wrote; {@code billed_units} what is charged (preferred when present). */
    static Usage usage(JsonNode u) {
        if (u == null || !u.isObject()) {
            return null;
        }
        JsonNode billed = u.path("billed_units");
        JsonNode tokens = u.path("tokens");
        JsonNode source = billed.has("input_tokens") ? billed : tokens;
        return Usage.of(source.path("input_tokens").asLong(0), source.path("output_tokens").asLong(0));
    }

    static EmbeddingResponse decodeEmbeddings(Buffer body) {
        JsonNode root = CohereWireCodec.read(body);
        List<float[]> vectors = new ArrayList<>();
        for (JsonNode e : root.path("embeddings").path("float")) {
            float[] v = new float[e.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = e.get(i).floatValue();
            }
            vectors.add(v);
        }
        long input = root.path("meta").path("billed_units").path("input_tokens").asLong(0);
        return new EmbeddingResponse(null, vectors, Usage.of(input, 0));
    }
}
