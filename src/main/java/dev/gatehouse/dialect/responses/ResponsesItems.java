package dev.gatehouse.dialect.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.canonical.Role;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.dialect.openai.OpenAiJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Responses items ⇄ canonical messages. Items are validated when a request is decoded
 * ({@link ResponsesRequestDecoder}); stored conversations are written by the gateway itself, so
 * this class converts without re-checking. Consecutive {@code function_call} items become one
 * assistant message with several tool calls (and join the assistant text before them), a
 * {@code function_call_output} a tool message: the shape every upstream dialect already encodes.
 */
public final class ResponsesItems {
    private static final Logger log = LoggerFactory.getLogger(ResponsesItems.class);

    private ResponsesItems() {}

    /** Appends the messages of {@code items} to {@code out}. */
    static void toMessages(List<JsonNode> items, String where, List<Message> out) {
        int dropped = 0;
        for (JsonNode item : items) {
            switch (item.path("type").asText("message")) {
                case "message" -> out.add(message(item));
                case "function_call" -> {
                    ToolCall call = new ToolCall(item.path("call_id").asText(), item.path("name").asText(),
                            item.path("arguments").asText(""));
                    Message last = out.isEmpty() ? null : out.get(out.size() - 1);
                    if (last != null && last.role() == Role.ASSISTANT) {
                        List<ToolCall> calls = new ArrayList<>(last.toolCalls());
                        calls.add(call);
                        out.set(out.size() - 1, new Message(Role.ASSISTANT, last.content(), calls, null, null, last.extra()));
                    } else {
                        out.add(new Message(Role.ASSISTANT, List.of(), List.of(call), null, null, Map.of()));
                    }
                }
                case "function_call_output" -> {
                    JsonNode output = item.path("output");
                    List<ContentPart> parts = output.isTextual() ? List.of(new ContentPart.Text(output.textValue())) : parts(output);
                    out.add(new Message(Role.TOOL, parts, List.of(), item.path("call_id").asText(), null, Map.of()));
                }
                // Reasoning items carry an upstream's own encrypted state: no other upstream can use it,
                // and the upstream that wrote it keeps the reasoning of earlier turns to itself anyway.
                default -> dropped++;
            }
        }
        if (dropped > 0) {
            log.debug("{} reasoning item(s) in {} dropped: no upstream accepts another's reasoning state", dropped, where);
        }
    }

    private static Message message(JsonNode item) {
        Role role = switch (item.path("role").asText()) {
            case "assistant" -> Role.ASSISTANT;
            case "system" -> Role.SYSTEM;
            case "developer" -> Role.DEVELOPER;
            default -> Role.USER;
        };
        JsonNode content = item.path("content");
        List<ContentPart> parts = content.isTextual() ? List.of(new ContentPart.Text(content.textValue())) : parts(content);
        return new Message(role, parts, List.of(), null, null, Map.of());
    }

    private static List<ContentPart> parts(JsonNode content) {
        List<ContentPart> parts = new ArrayList<>(content.size());
        for (JsonNode part : content) {
            switch (part.path("type").asText()) {
                case "input_text", "output_text" -> parts.add(new ContentPart.Text(part.path("text").asText("")));
                case "refusal" -> parts.add(new ContentPart.Text(part.path("refusal").asText("")));
                case "input_image" -> parts.add(new ContentPart.Image(part.path("image_url").asText(),
                        part.hasNonNull("detail") ? part.get("detail").asText() : null));
                case "input_file" -> {
                    // The chat-completions file part: the canonical model's spelling of a document.
                    ObjectNode raw = OpenAiJson.MAPPER.createObjectNode().put("type", "file");
                    ObjectNode file = raw.putObject("file");
                    file.put("file_data", part.path("file_data").asText());
                    if (part.hasNonNull("filename")) {
                        file.put("filename", part.get("filename").asText());
                    }
                    parts.add(new ContentPart.Other("file", raw));
                }
                default -> { } // refused when the request was decoded
            }
        }
        return parts;
    }

    /**
     * A canonical answer's output items, in OpenAI's order: reasoning first, then the message
     * (when there is text), then one {@code function_call} per tool call.
     */
    public static ArrayNode output(ChatResponse response) {
        ArrayNode out = OpenAiJson.MAPPER.createArrayNode();
        StringBuilder reasoning = new StringBuilder();
        StringBuilder text = new StringBuilder();
        String refusal = null;
        for (ContentPart part : response.content()) {
            switch (part) {
                case ContentPart.Reasoning r -> reasoning.append(r.text() == null ? "" : r.text());
                case ContentPart.Text t -> text.append(t.text());
                case ContentPart.Other o when o.type().equals("refusal") -> refusal = o.raw().path("refusal").asText("");
                default -> { }
            }
        }
        if (!reasoning.isEmpty()) {
            out.add(reasoningItem(ResponsesIds.reasoning(), reasoning.toString()));
        }
        if (!text.isEmpty() || refusal != null || response.toolCalls().isEmpty()) {
            out.add(messageItem(ResponsesIds.message(), text.toString(), refusal, "completed"));
        }
        for (ToolCall call : response.toolCalls()) {
            out.add(functionCallItem(ResponsesIds.functionCall(), call.id(), call.name(), call.arguments(), "completed"));
        }
        return out;
    }

    static ObjectNode messageItem(String id, String text, String refusal, String status) {
        ObjectNode item = OpenAiJson.MAPPER.createObjectNode();
        item.put("id", id).put("type", "message").put("status", status).put("role", "assistant");
        ArrayNode content = item.putArray("content");
        if (refusal != null) {
            content.addObject().put("type", "refusal").put("refusal", refusal);
        } else if (text != null) {
            content.add(outputText(text));
        }
        return item;
    }

    static ObjectNode outputText(String text) {
        ObjectNode part = OpenAiJson.MAPPER.createObjectNode().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.putArray("logprobs");
        return part;
    }

    static ObjectNode functionCallItem(String id, String callId, String name, String arguments, String status) {
        ObjectNode item = OpenAiJson.MAPPER.createObjectNode();
        item.put("id", id).put("type", "function_call").put("status", status);
        item.put("arguments", arguments == null ? "" : arguments).put("call_id", callId).put("name", name);
        return item;
    }

    static ObjectNode reasoningItem(String id, String text) {
        ObjectNode item = OpenAiJson.MAPPER.createObjectNode().put("id", id).put("type", "reasoning");
        ArrayNode summary = item.putArray("summary");
        if (text != null && !text.isEmpty()) {
            summary.addObject().put("type", "summary_text").put("text", text);
        }
        return item;
    }
}
