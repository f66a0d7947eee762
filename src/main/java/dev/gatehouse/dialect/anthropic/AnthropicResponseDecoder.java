package dev.gatehouse.dialect.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Excerpt;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Anthropic's whole (non-streamed) Messages answers to the canonical model: text, thinking and tool
 * use blocks, the JSON-output tool turned back into text, the stop reason and usage.
 */
final class AnthropicResponseDecoder {
    private static final Set<String> RESPONSE_KNOWN =
            Set.of("id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage");

    private AnthropicResponseDecoder() {}

    static ChatResponse decodeChat(Buffer body) {
        JsonNode root = readUpstream(body);
        List<ContentPart> content = new ArrayList<>();
        List<ToolCall> calls = new ArrayList<>();
        boolean jsonTool = false;
        ContentPart json = null;
        for (JsonNode block : root.path("content")) {
            String type = block.path("type").asText("");
            switch (type) {
                case "text" -> content.add(new ContentPart.Text(block.path("text").asText("")));
                case "thinking" -> content.add(new ContentPart.Reasoning(block.path("thinking").asText(""),
                        block.path("signature").asText(null), false));
                case "redacted_thinking" -> content.add(new ContentPart.Reasoning("", block.path("data").asText(null), true));
                case "tool_use" -> {
                    String input = block.has("input") ? block.get("input").toString() : "{}";
                    if (AnthropicFormat.JSON_TOOL.equals(block.path("name").asText())) {
                        jsonTool = true;
                        json = new ContentPart.Text(input);
                        content.add(json); // the JSON output the caller asked for, as text
                    } else {
                        calls.add(new ToolCall(block.path("id").asText(null), block.path("name").asText(null), input));
                    }
                }
                default -> content.add(new ContentPart.Other(type, block));
            }
        }
        if (json != null) {
            // Text the model wrote around the forced JSON tool call is commentary, not the answer: glued to it, it breaks the JSON.
            ContentPart answer = json;
            content.removeIf(p -> p instanceof ContentPart.Text && p != answer);
        }
        FinishReason finish = AnthropicFormat.finishReason(root.path("stop_reason").asText(null));
        if (jsonTool && finish == FinishReason.TOOL_CALLS && calls.isEmpty()) {
            finish = FinishReason.STOP;
        }
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        root.properties().forEach(e -> {
            if (!RESPONSE_KNOWN.contains(e.getKey())) {
                extra.put(e.getKey(), e.getValue());
            }
        });
        JsonNode stopSequence = root.get("stop_sequence");
        if (stopSequence != null && stopSequence.isTextual()) {
            extra.put("stop_sequence", stopSequence);
        }
        JsonNode usage = root.get("usage");
        return new ChatResponse(root.path("id").asText(null), root.path("model").asText(null),
                System.currentTimeMillis() / 1000, content, calls, finish,
                usage != null && usage.isObject() ? AnthropicFormat.usage(usage) : null, extra);
    }

    private static JsonNode readUpstream(Buffer body) {
        try {
            JsonNode root = OpenAiJson.MAPPER.readTree(body.getBytes());
            if (root == null || !root.isObject()) {
                throw new IOException("not an object");
            }
            return root;
        } catch (IOException e) {
            throw new UpstreamException(new UpstreamError(ErrorClass.UPSTREAM_ERROR, 200,
                    "Upstream sent a response that is not a JSON object: " + Excerpt.truncate(body.toString(StandardCharsets.UTF_8)),
                    null, null, null));
        }
    }
}
