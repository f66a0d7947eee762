package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Excerpt;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's whole (non-streamed) chat and embeddings answers to the canonical model; fields the
 * canonical model does not name ride along in the response's extras.
 */
final class OpenAiResponseDecoder {
    private static final Set<String> RESPONSE_KNOWN = Set.of("id", "object", "created", "model", "choices", "usage");

    private OpenAiResponseDecoder() {}

    static ChatResponse decodeChat(Buffer body) {
        JsonNode root = readUpstream(body);
        JsonNode choice = root.path("choices").path(0);
        JsonNode message = choice.path("message");
        List<ContentPart> content = new ArrayList<>(2);
        JsonNode text = message.get("content");
        if (text != null && text.isTextual()) {
            content.add(new ContentPart.Text(text.textValue()));
        }
        JsonNode refusal = message.get("refusal");
        if (refusal != null && refusal.isTextual()) {
            ObjectNode raw = OpenAiJson.MAPPER.createObjectNode().put("type", "refusal").put("refusal", refusal.textValue());
            content.add(new ContentPart.Other("refusal", raw));
        }
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode fn = call.path("function");
            calls.add(new ToolCall(call.path("id").asText(null), fn.path("name").asText(null), fn.path("arguments").asText("")));
        }
        JsonNode usage = root.get("usage");
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        root.properties().forEach(e -> {
            if (!RESPONSE_KNOWN.contains(e.getKey())) {
                extra.put(e.getKey(), e.getValue());
            }
        });
        return new ChatResponse(root.path("id").asText(null), root.path("model").asText(null), root.path("created").asLong(0),
                content, calls, OpenAiFinishReasons.parse(choice.path("finish_reason").asText(null)),
                usage != null && usage.isObject() ? OpenAiFinishReasons.usage(usage) : null, extra);
    }

    static EmbeddingResponse decodeEmbeddings(Buffer body) {
        JsonNode root = readUpstream(body);
        List<JsonNode> data = new ArrayList<>();
        root.path("data").forEach(data::add);
        data.sort(Comparator.comparingInt(d -> d.path("index").asInt(0)));
        List<float[]> vectors = new ArrayList<>(data.size());
        for (JsonNode d : data) {
            JsonNode e = d.path("embedding");
            if (e.isTextual()) {
                vectors.add(OpenAiEmbeddingsEncoder.fromBase64(e.textValue()));
            } else {
                float[] v = new float[e.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = e.get(i).floatValue();
                }
                vectors.add(v);
            }
        }
        JsonNode usage = root.path("usage");
        return new EmbeddingResponse(root.path("model").asText(null), vectors,
                Usage.of(usage.path("prompt_tokens").asLong(0), 0));
    }

    private static JsonNode readUpstream(Buffer body) {
        try {
            JsonNode root = OpenAiJson.MAPPER.readTree(body.getBytes());
            if (root == null || !root.isObject()) {
                throw new IOException("not an object");
            }
            return root;
        } catch (IOException e) {
            String text = body == null ? "" : body.toString(StandardCharsets.UTF_8);
            throw new UpstreamException(new UpstreamError(ErrorClass.UPSTREAM_ERROR, 200,
                    "Upstream sent a response that is not a JSON object: " + Excerpt.truncate(text), null, null, null));
        }
    }
}
