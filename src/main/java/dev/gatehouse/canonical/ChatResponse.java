package dev.gatehouse.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A complete (non-streamed) answer with one choice.
 *
 * @param content the answer's parts in order (text, reasoning)
 * @param extra top-level fields of the provider's format this model does not name
 */
public record ChatResponse(
        String id,
        String model,
        long created,
        List<ContentPart> content,
        List<ToolCall> toolCalls,
        FinishReason finishReason,
        Usage usage,
        Map<String, JsonNode> extra) {

    public ChatResponse {
        content = content == null ? List.of() : List.copyOf(content);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    public String text() {
        StringBuilder out = new StringBuilder();
        for (ContentPart part : content) {
            if (part instanceof ContentPart.Text t) {
                out.append(t.text());
            }
        }
        return out.toString();
    }
}
