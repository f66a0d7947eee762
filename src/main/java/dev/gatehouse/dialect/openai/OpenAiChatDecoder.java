package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.canonical.ResponseFormat;
import dev.gatehouse.canonical.Role;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.ToolChoice;
import dev.gatehouse.canonical.ToolDefinition;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes an OpenAI Chat Completions request into the canonical model, validating types with the
 * offending path in {@code param} (e.g. {@code messages[2].role}). Fields the model does not name
 * go to {@code extra} untouched. Used when the request must be translated for another format.
 */
public final class OpenAiChatDecoder {
    /** Top-level fields mapped to named canonical fields; everything else lands in extra. */
    private static final Set<String> KNOWN = Set.of("model", "messages", "temperature", "top_p", "max_tokens",
            "max_completion_tokens", "stop", "seed", "tools", "tool_choice", "parallel_tool_calls",
            "response_format", "reasoning_effort", "stream", "stream_options", "user");
    private static final Set<String> KNOWN_MESSAGE = Set.of("role", "content", "tool_calls", "tool_call_id", "name");

    private OpenAiChatDecoder() {}

    public static ChatRequest decode(Buffer body) {
        return decode(OpenAiJson.readRequestTree(body));
    }

    public static ChatRequest decode(JsonNode root) {
        String model = requiredString(root, "model", "model");
        if (model.isBlank()) {
            throw GatewayException.invalid("'model' must not be empty.", "model");
        }
        JsonNode messagesNode = root.get("messages");
        if (messagesNode == null || messagesNode.isNull()) {
            throw GatewayException.invalid("Missing required parameter: 'messages'.", "messages");
        }
        if (!messagesNode.isArray()) {
            throw GatewayException.invalid("'messages' must be an array, got " + OpenAiJson.describe(messagesNode) + ".", "messages");
        }
        if (messagesNode.isEmpty()) {
            throw GatewayException.invalid("'messages' must contain at least one message.", "messages");
        }
        List<Message> messages = new ArrayList<>(messagesNode.size());
        for (int i = 0; i < messagesNode.size(); i++) {
            messages.add(message(messagesNode.get(i), "messages[" + i + "]"));
        }
        Integer maxTokens = optionalInt(root, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = optionalInt(root, "max_tokens");
        }
        boolean stream = optionalBoolean(root, "stream", "stream", false);
        boolean includeUsage = false;
        JsonNode so = root.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject()) {
                throw GatewayException.invalid("'stream_options' must be an object, got " + OpenAiJson.describe(so) + ".", "stream_options");
            }
            includeUsage = optionalBoolean(so, "include_usage", "stream_options.include_usage", false);
        }
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        root.properties().forEach(e -> {
            if (!KNOWN.contains(e.getKey())) {
                extra.put(e.getKey(), e.getValue());
            }
        });
        return new ChatRequest(model, messages,
                optionalDouble(root, "temperature"), optionalDouble(root, "top_p"), maxTokens,
                stop(root.get("stop")), optionalLong(root, "seed"), tools(root.get("tools")),
                toolChoice(root.get("tool_choice")), optionalBooleanBoxed(root, "parallel_tool_calls"),
                responseFormat(root.get("response_format")), optionalString(root, "reasoning_effort", "reasoning_effort"),
                stream, includeUsage, optionalString(root, "user", "user"), extra);
    }

    private static Message message(JsonNode node, String path) {
        if (!node.isObject()) {
            throw GatewayException.invalid("'" + path + "' must be an object, got " + OpenAiJson.describe(node) + ".", path);
        }
        String roleText = requiredString(node, "role", path + ".role");
        Role role = switch (roleText) {
            case "system" -> Role.SYSTEM;
            case "developer" -> Role.DEVELOPER;
            case "user" -> Role.USER;
            case "assistant" -> Role.ASSISTANT;
            case "tool" -> Role.TOOL;
            default -> throw GatewayException.invalid("'" + path + ".role' must be one of 'system', 'developer', 'user', "
                    + "'assistant' or 'tool', got '" + roleText + "'.", path + ".role");
        };
        List<ContentPart> content = content(node.get("content"), path + ".content");
        List<ToolCall> toolCalls = List.of();
        JsonNode calls = node.get("tool_calls");
        if (calls != null && !calls.isNull()) {
            if (!calls.isArray()) {
                throw GatewayException.invalid("'" + path + ".tool_calls' must be an array, got " + OpenAiJson.describe(calls) + ".",
                        path + ".tool_calls");
            }
            toolCalls = new ArrayList<>(calls.size());
            for (int i = 0; i < calls.size(); i++) {
                toolCalls.add(toolCall(calls.get(i), path + ".tool_calls[" + i + "]"));
            }
        }
        String toolCallId = optionalString(node, "tool_call_id", path + ".tool_call_id");
        if (role == Role.TOOL && toolCallId == null) {
            throw GatewayException.invalid("Missing required parameter: '" + path + ".tool_call_id' (tool messages must say "
                    + "which call they answer).", path + ".tool_call_id");
        }
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        node.properties().forEach(e -> {
            if (!KNOWN_MESSAGE.contains(e.getKey())) {
                extra.put(e.getKey(), e.getValue());
            }
        });
        return new Message(role, content, toolCalls, toolCallId, optionalString(node, "name", path + ".name"), extra);
    }

    static List<ContentPart> content(JsonNode content, String path) {
        if (content == null || content.isNull()) {
            return List.of();
        }
        if (content.isTextual()) {
            return List.of(new ContentPart.Text(content.textValue()));
        }
        if (!content.isArray()) {
            throw GatewayException.invalid("'" + path + "' must be a string or an array of content parts, got "
                    + OpenAiJson.describe(content) + ".", path);
        }
        List<ContentPart> parts = new ArrayList<>(content.size());
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String partPath = path + "[" + i + "]";
            if (!part.isObject()) {
                throw GatewayException.invalid("'" + partPath + "' must be an object, got " + OpenAiJson.describe(part) + ".", partPath);
            }
            String type = requiredString(part, "type", partPath + ".type");
            switch (type) {
                // cache_control on a text part is the common way OpenAI-format clients mark an Anthropic prompt-cache breakpoint.
                case "text" -> parts.add(new ContentPart.Text(requiredString(part, "text", partPath + ".text"),
                        part.get("cache_control") != null && part.get("cache_control").isObject() ? part.get("cache_control") : null));
                case "image_url" -> {
                    JsonNode image = part.get("image_url");
                    if (image == null || !image.isObject()) {
                        throw GatewayException.invalid("'" + partPath + ".image_url' must be an object with a 'url'.",
                                partPath + ".image_url");
                    }
                    parts.add(new ContentPart.Image(requiredString(image, "url", partPath + ".image_url.url"),
                            optionalString(image, "detail", partPath + ".image_url.detail")));
                }
                default -> parts.add(new ContentPart.Other(type, part)); // input_audio, file, refusal, ...
            }
        }
        return parts;
    }

    private static ToolCall toolCall(JsonNode node, String path) {
        if (!node.isObject()) {
            throw GatewayException.invalid("'" + path + "' must be an object, got " + OpenAiJson.describe(node) + ".", path);
        }
        String type = optionalString(node, "type", path + ".type");
        if (type != null && !type.equals("function")) {
            throw GatewayException.invalid("'" + path + ".type' must be 'function', got '" + type + "'.", path + ".type");
        }
        JsonNode fn = node.get("function");
        if (fn == null || !fn.isObject()) {
            throw GatewayException.invalid("'" + path + ".function' must be an object with 'name' and 'arguments'.", path + ".function");
        }
        String arguments = optionalString(fn, "arguments", path + ".function.arguments");
        return new ToolCall(requiredString(node, "id", path + ".id"), requiredString(fn, "name", path + ".function.name"),
                arguments == null ? "" : arguments);
    }

    private static List<ToolDefinition> tools(JsonNode tools) {
        if (tools == null || tools.isNull()) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw GatewayException.invalid("'tools' must be an array, got " + OpenAiJson.describe(tools) + ".", "tools");
        }
        List<ToolDefinition> out = new ArrayList<>(tools.size());
        for (int i = 0; i < tools.size(); i++) {
            String path = "tools[" + i + "]";
            JsonNode tool = tools.get(i);
            if (!tool.isObject()) {
                throw GatewayException.invalid("'" + path + "' must be an object, got " + OpenAiJson.describe(tool) + ".", path);
            }
            String type = requiredString(tool, "type", path + ".type");
            if (!type.equals("function")) {
                throw GatewayException.invalid("'" + path + ".type' '" + type + "' is not supported when translating to "
                        + "another provider; only 'function' tools are.", path + ".type");
            }
            JsonNode fn = tool.get("function");
            if (fn == null || !fn.isObject()) {
                throw GatewayException.invalid("'" + path + ".function' must be an object.", path + ".function");
            }
            JsonNode params = fn.get("parameters");
            if (params != null && !params.isNull() && !params.isObject()) {
                throw GatewayException.invalid("'" + path + ".function.parameters' must be a JSON Schema object, got "
                        + OpenAiJson.describe(params) + ".", path + ".function.parameters");
            }
            out.add(new ToolDefinition(requiredString(fn, "name", path + ".function.name"),
                    optionalString(fn, "description", path + ".function.description"),
                    params == null || params.isNull() ? null : params,
                    optionalBooleanBoxed(fn, "strict", path + ".function.strict")));
        }
        return out;
    }

    private static ToolChoice toolChoice(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return switch (node.textValue()) {
                case "auto" -> new ToolChoice.Auto();
                case "none" -> new ToolChoice.None();
                case "required" -> new ToolChoice.Required();
                default -> throw GatewayException.invalid("'tool_choice' must be 'auto', 'none', 'required' or an object "
                        + "naming a function, got '" + node.textValue() + "'.", "tool_choice");
            };
        }
        if (node.isObject()) {
            JsonNode fn = node.get("function");
            if ("function".equals(node.path("type").asText(null)) && fn != null && fn.isObject()) {
                return new ToolChoice.Named(requiredString(fn, "name", "tool_choice.function.name"));
            }
            throw GatewayException.invalid("'tool_choice' object must look like {\"type\":\"function\",\"function\":{\"name\":\"...\"}}.",
                    "tool_choice");
        }
        throw GatewayException.invalid("'tool_choice' must be a string or an object, got " + OpenAiJson.describe(node) + ".", "tool_choice");
    }

    private static ResponseFormat responseFormat(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw GatewayException.invalid("'response_format' must be an object, got " + OpenAiJson.describe(node) + ".", "response_format");
        }
        String type = requiredString(node, "type", "response_format.type");
        return switch (type) {
            case "text" -> new ResponseFormat.Text();
            case "json_object" -> new ResponseFormat.JsonObject();
            case "json_schema" -> {
                JsonNode js = node.get("json_schema");
                if (js == null || !js.isObject()) {
                    throw GatewayException.invalid("'response_format.json_schema' must be an object with 'name' and 'schema'.",
                            "response_format.json_schema");
                }
                JsonNode schema = js.get("schema");
                if (schema != null && !schema.isNull() && !schema.isObject()) {
                    throw GatewayException.invalid("'response_format.json_schema.schema' must be an object, got "
                            + OpenAiJson.describe(schema) + ".", "response_format.json_schema.schema");
                }
                yield new ResponseFormat.JsonSchema(requiredString(js, "name", "response_format.json_schema.name"),
                        schema == null || schema.isNull() ? null : schema,
                        optionalBooleanBoxed(js, "strict", "response_format.json_schema.strict"));
            }
            default -> throw GatewayException.invalid("'response_format.type' must be 'text', 'json_object' or 'json_schema', got '"
                    + type + "'.", "response_format.type");
        };
    }

    private static List<String> stop(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (node.isTextual()) {
            return List.of(node.textValue());
        }
        if (!node.isArray()) {
            throw GatewayException.invalid("'stop' must be a string or an array of strings, got " + OpenAiJson.describe(node) + ".", "stop");
        }
        List<String> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isTextual()) {
                throw GatewayException.invalid("'stop[" + i + "]' must be a string, got " + OpenAiJson.describe(node.get(i)) + ".",
                        "stop[" + i + "]");
            }
            out.add(node.get(i).textValue());
        }
        return out;
    }

    // ---- typed field access; each throws a 400 naming the path ----

    static String requiredString(JsonNode obj, String field, String path) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            throw GatewayException.invalid("Missing required parameter: '" + path + "'.", path);
        }
        if (!v.isTextual()) {
            throw GatewayException.invalid("'" + path + "' must be a string, got " + OpenAiJson.describe(v) + ".", path);
        }
        return v.textValue();
    }

    static String optionalString(JsonNode obj, String field, String path) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw GatewayException.invalid("'" + path + "' must be a string, got " + OpenAiJson.describe(v) + ".", path);
        }
        return v.textValue();
    }

    private static Double optionalDouble(JsonNode obj, String field) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw GatewayException.invalid("'" + field + "' must be a number, got " + OpenAiJson.describe(v) + ".", field);
        }
        if (!Double.isFinite(v.doubleValue())) { // 1e400: Infinity would be written as a token no upstream parses
            throw GatewayException.invalid("'" + field + "' is out of range.", field);
        }
        return v.doubleValue();
    }

    static Integer optionalInt(JsonNode obj, String field) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw GatewayException.invalid("'" + field + "' must be an integer, got " + (v.isNumber() ? v.asText() : OpenAiJson.describe(v)) + ".", field);
        }
        if (v.intValue() < 1) {
            throw GatewayException.invalid("'" + field + "' must be a positive integer, got " + v.intValue() + ".", field);
        }
        return v.intValue();
    }

    private static Long optionalLong(JsonNode obj, String field) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw GatewayException.invalid("'" + field + "' must be an integer, got " + OpenAiJson.describe(v) + ".", field);
        }
        return v.longValue();
    }

    private static boolean optionalBoolean(JsonNode obj, String field, String path, boolean dflt) {
        Boolean b = optionalBooleanBoxed(obj, field, path);
        return b == null ? dflt : b;
    }

    private static Boolean optionalBooleanBoxed(JsonNode obj, String field) {
        return optionalBooleanBoxed(obj, field, field);
    }

    private static Boolean optionalBooleanBoxed(JsonNode obj, String field, String path) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw GatewayException.invalid("'" + path + "' must be a boolean, got " + OpenAiJson.describe(v) + ".", path);
        }
        return v.booleanValue();
    }
}
