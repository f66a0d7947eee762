package dev.gatehouse.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * One turn of a conversation.
 *
 * @param toolCalls calls an assistant message made (empty otherwise)
 * @param toolCallId for {@link Role#TOOL} messages: which call this is the result of
 * @param extra fields of the caller's format this model does not name
 */
public record Message(
        Role role,
        List<ContentPart> content,
        List<ToolCall> toolCalls,
        String toolCallId,
        String name,
        Map<String, JsonNode> extra) {

    /**
     * The {@code extra} key marking a prompt-cache breakpoint after this message (an Anthropic
     * {@code cache_control} on one of its blocks): providers with explicit cache points (Bedrock's
     * {@code cachePoint}, Anthropic's own {@code cache_control}) place one there, others ignore it.
     */
    public static final String CACHE_CONTROL = "cache_control";

    public Message {
        content = content == null ? List.of() : List.copyOf(content);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    public static Message text(Role role, String text) {
        return new Message(role, List.of(new ContentPart.Text(text)), List.of(), null, null, Map.of());
    }

    /** All text parts joined, for token estimates and content-based routing. */
    public String plainText() {
        StringBuilder out = new StringBuilder();
        for (ContentPart part : content) {
            if (part instanceof ContentPart.Text t) {
                out.append(t.text());
            }
        }
        return out.toString();
    }
}
