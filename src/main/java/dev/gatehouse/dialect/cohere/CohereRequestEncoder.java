package dev.gatehouse.dialect.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.canonical.ResponseFormat;
import dev.gatehouse.canonical.Role;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.ToolChoice;
import dev.gatehouse.canonical.ToolDefinition;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.Set;

/**
 * The canonical request as a Cohere v2 {@code /v2/chat} body: messages keep their roles (system,
 * user, assistant, tool), images are {@code image_url} content parts, assistant tool calls are
 * {@code tool_calls} (OpenAI's shape), tool results {@code role: tool} with {@code tool_call_id};
 * {@code top_p} → {@code p}, {@code stop} → {@code stop_sequences}, {@code tool_choice}
 * required/none → {@code REQUIRED}/{@code NONE} (a named tool is offered alone, required);
 * JSON output → {@code response_format: json_object} with the schema.
 */
final class CohereRequestEncoder {
    private static final Set<String> IGNORED_EXTRA = Set.of("user", "store", "metadata", "service_tier", "stream_options",
            "parallel_tool_calls");
    private static final Set<String> NATIVE = Set.of("safety_mode", "documents", "citation_options", "k", "strict_tools");

    private CohereRequestEncoder() {}

    static Buffer encodeChat(ChatRequest r) {
        String model = r.model();
        ObjectNode root = CohereWireCodec.MAPPER.createObjectNode();
        root.put("model", model);
        ArrayNode messages = root.putArray("messages");
        for (int i = 0; i < r.messages().size(); i++) {
            Message m = r.messages().get(i);
            String path = "messages[" + i + "]";
            ObjectNode out = messages.addObject();
            switch (m.role()) {
                case SYSTEM, DEVELOPER -> {
                    out.put("role", "system");
                    out.put("content", text(m, path, model));
                }
                case TOOL -> {
                    out.put("role", "tool");
                    out.put("tool_call_id", m.toolCallId());
                    out.put("content", text(m, path, model));
                }
                case ASSISTANT -> {
                    out.put("role", "assistant");
                    String text = text(m, path, model);
                    if (!text.isEmpty()) {
                        out.put("content", text);
                    }
                    if (!m.toolCalls().isEmpty()) {
                        ArrayNode calls = out.putArray("tool_calls");
                        for (ToolCall c : m.toolCalls()) {
                            ObjectNode call = calls.addObject().put("id", c.id()).put("type", "function");
                            call.putObject("function").put("name", c.name())
                                    .put("arguments", c.arguments() == null || c.arguments().isBlank() ? "{}" : c.arguments());
                        }
                    }
                }
                default -> {
                    out.put("role", "user");
                    ArrayNode content = out.putArray("content");
                    for (int j = 0; j < m.content().size(); j++) {
                        ContentPart p = m.content().get(j);
                        switch (p) {
                            case ContentPart.Text t -> content.addObject().put("type", "text").put("text", t.text());
                            case ContentPart.Image img -> {
                                ObjectNode part = content.addObject().put("type", "image_url");
                                ObjectNode url = part.putObject("image_url").put("url", img.url());
                                if (img.detail() != null) {
                                    url.put("detail", img.detail());
                                }
                            }
                            case ContentPart.Reasoning rz -> { }
                            case ContentPart.Other o -> throw CohereWireCodec.unsupported("content of type '" + o.type() + "'",
                                    model, path + ".content[" + j + "]");
                        }
                    }
                }
            }
        }
        if (r.maxTokens() != null) {
            root.put("max_tokens", r.maxTokens());
        }
        if (r.temperature() != null) {
            root.put("temperature", r.temperature());
        }
        if (r.topP() != null) {
            root.put("p", Math.max(0.01, Math.min(0.99, r.topP())));
        }
        if (r.seed() != null) {
            root.put("seed", r.seed());
        }
        if (!r.stop().isEmpty()) {
            ArrayNode stop = root.putArray("stop_sequences");
            r.stop().forEach(stop::add);
        }
        if (r.stream()) {
            root.put("stream", true);
        }
        tools(r, root, model);
        if (r.responseFormat() instanceof ResponseFormat.JsonObject) {
            root.putObject("response_format").put("type", "json_object");
        } else if (r.responseFormat() instanceof ResponseFormat.JsonSchema s) {
            ObjectNode format = root.putObject("response_format").put("type", "json_object");
            if (s.schema() != null) {
                format.set("json_schema", s.schema());
            }
        }
        for (Map.Entry<String, JsonNode> e : r.extra().entrySet()) {
            String key = e.getKey();
            if (e.getValue() == null || e.getValue().isNull() || IGNORED_EXTRA.contains(key)) {
                continue;
            }
            switch (key) {
                case "presence_penalty", "frequency_penalty" -> root.set(key, e.getValue());
                case "n" -> {
                    if (e.getValue().asInt(1) != 1) {
                        throw CohereWireCodec.unsupported("'n' > 1 (several choices per request)", model, "n");
                    }
                }
                default -> {
                    if (NATIVE.contains(key)) {
                        root.set(key, e.getValue()); // Cohere's own fields, sent by an OpenAI SDK as extra body
                    } else {
                        throw CohereWireCodec.unsupported("the field '" + key + "'", model, key);
                    }
                }
            }
        }
        return Buffer.buffer(CohereWireCodec.write(root));
    }

    private static String text(Message m, String path, String model) {
        StringBuilder out = new StringBuilder();
        for (ContentPart p : m.content()) {
            switch (p) {
                case ContentPart.Text t -> out.append(t.text());
                case ContentPart.Reasoning rz -> { }
                default -> throw CohereWireCodec.unsupported("non-text content in " + m.role().name().toLowerCase()
                        + " messages", model, path + ".content");
            }
        }
        return out.toString();
    }

    private static void tools(ChatRequest r, ObjectNode root, String model) {
        if (r.tools().isEmpty()) {
            return;
        }
        ArrayNode tools = root.putArray("tools");
        String only = r.toolChoice() instanceof ToolChoice.Named n ? n.name() : null;
        for (ToolDefinition t : r.tools()) {
            if (only != null && !only.equals(t.name())) {
                continue; // Cohere cannot name the tool to call: the named one is offered alone, and required
            }
            ObjectNode fn = tools.addObject().put("type", "function").putObject("function");
            fn.put("name", t.name());
            if (t.description() != null) {
                fn.put("description", t.description());
            }
            fn.set("parameters", t.parameters() != null ? t.parameters()
                    : CohereWireCodec.MAPPER.createObjectNode().put("type", "object"));
        }
        if (tools.isEmpty()) {
            throw GatewayException.invalid("'tool_choice' names '" + only + "', which is not among 'tools'", "tool_choice");
        }
        if (r.toolChoice() instanceof ToolChoice.Required || only != null) {
            root.put("tool_choice", "REQUIRED");
        } else if (r.toolChoice() instanceof ToolChoice.None) {
            root.put("tool_choice", "NONE");
        }
    }

    static Buffer encodeEmbeddings(EmbeddingRequest r) {
        ObjectNode root = CohereWireCodec.MAPPER.createObjectNode();
        root.put("model", r.model());
        ArrayNode texts = root.putArray("texts");
        r.inputs().forEach(texts::add);
        JsonNode inputType = r.extra().get("input_type");
        root.put("input_type", inputType != null && inputType.isTextual() ? inputType.asText() : "search_document");
        root.putArray("embedding_types").add("float");
        if (r.dimensions() != null) {
            root.put("output_dimension", r.dimensions());
        }
        return Buffer.buffer(CohereWireCodec.write(root));
    }
}
