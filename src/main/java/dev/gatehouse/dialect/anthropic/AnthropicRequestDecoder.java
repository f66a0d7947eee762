package dev.gatehouse.dialect.anthropic;

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
import dev.gatehouse.dialect.anthropic.AnthropicFormat;
import dev.gatehouse.dialect.openai.OpenAiJson;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An Anthropic Messages request to the canonical model, validated strictly with the offending
 * field named the way Anthropic names it ({@code messages.2.content.0.type}). A user turn's
 * {@code tool_result} blocks become canonical tool messages. Anthropic-only top-level fields
 * ({@code top_k}, {@code service_tier}, ...) go to {@code extra}: the Anthropic upstream codec
 * sends them on, and the caller refuses them for other formats.
 */
public final class AnthropicRequestDecoder {
    private static final Set<String> KNOWN = Set.of("model", "messages", "max_tokens", "system", "stop_sequences", "stream",
            "temperature", "top_p", "tools", "tool_choice", "thinking", "metadata", "output_format",
            "output_config");
    /** Anthropic fields without a canonical equivalent: kept for Anthropic upstreams, refused for others. */
    static final Set<String> ANTHROPIC_ONLY = Set.of("top_k", "service_tier", "container", "mcp_servers", "context_management");

    private AnthropicRequestDecoder() {}

    public static ChatRequest decode(Buffer body, boolean requireMaxTokens) {
        return decode(OpenAiJson.readRequestTree(body), requireMaxTokens);
    }

    public static ChatRequest decode(JsonNode root, boolean requireMaxTokens) {
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        root.properties().forEach(e -> {
            if (ANTHROPIC_ONLY.contains(e.getKey())) {
                extra.put(e.getKey(), e.getValue());
            } else if (!KNOWN.contains(e.getKey())) {
                throw GatewayException.invalid(e.getKey() + ": Extra inputs are not permitted", e.getKey());
            }
        });
        String model = string(root, "model", "model", true);
        Integer maxTokens = positiveInt(root, "max_tokens");
        if (requireMaxTokens && maxTokens == null) {
            throw GatewayException.invalid("max_tokens: Field required", "max_tokens");
        }
        List<Message> messages = new ArrayList<>();
        JsonNode system = root.get("system");
        if (system != null && !system.isNull()) {
            messages.add(new Message(Role.SYSTEM, systemText(system), List.of(), null, null, breakpointExtra(system)));
        }
        JsonNode list = root.get("messages");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw GatewayException.invalid("messages: Field required (a non-empty list)", "messages");
        }
        for (int i = 0; i < list.size(); i++) {
            message(list.get(i), "messages." + i, messages);
        }
        List<String> stop = new ArrayList<>();
        JsonNode stops = root.get("stop_sequences");
        if (stops != null && !stops.isNull()) {
            if (!stops.isArray()) {
                throw GatewayException.invalid("stop_sequences: Input should be a valid list", "stop_sequences");
            }
            for (int i = 0; i < stops.size(); i++) {
                if (!stops.get(i).isTextual()) {
                    throw GatewayException.invalid("stop_sequences." + i + ": Input should be a valid string", "stop_sequences." + i);
                }
                stop.add(stops.get(i).textValue());
            }
        }
        List<ToolDefinition> tools = tools(root.get("tools"));
        ToolChoice toolChoice = null;
        Boolean parallel = null;
        JsonNode tc = root.get("tool_choice");
        if (tc != null && !tc.isNull()) {
            if (!tc.isObject()) {
                throw GatewayException.invalid("tool_choice: Input should be an object", "tool_choice");
            }
            String type = string(tc, "type", "tool_choice.type", true);
            toolChoice = switch (type) {
                case "auto" -> new ToolChoice.Auto();
                case "any" -> new ToolChoice.Required();
                case "none" -> new ToolChoice.None();
                case "tool" -> new ToolChoice.Named(string(tc, "name", "tool_choice.name", true));
                default -> throw GatewayException.invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'",
                        "tool_choice.type");
            };
            JsonNode disable = tc.get("disable_parallel_tool_use");
            if (disable != null && !disable.isNull()) {
                if (!disable.isBoolean()) {
                    throw GatewayException.invalid("tool_choice.disable_parallel_tool_use: Input should be a valid boolean",
                            "tool_choice.disable_parallel_tool_use");
                }
                parallel = disable.booleanValue() ? Boolean.FALSE : null;
            }
        }
        Integer budget = null;
        String effort = null;
        JsonNode thinking = root.get("thinking");
        if (thinking != null && !thinking.isNull()) {
            String type = thinking.isObject() ? string(thinking, "type", "thinking.type", true) : "";
            if (type.equals("enabled")) {
                budget = positiveInt(thinking, "budget_tokens");
                if (budget == null || budget < AnthropicFormat.MIN_THINKING_BUDGET) {
                    throw GatewayException.invalid("thinking.budget_tokens: Input should be greater than or equal to "
                            + AnthropicFormat.MIN_THINKING_BUDGET, "thinking.budget_tokens");
                }
                if (maxTokens != null && budget >= maxTokens) {
                    throw GatewayException.invalid("max_tokens must be greater than thinking.budget_tokens", "max_tokens");
                }
                effort = AnthropicFormat.effortFor(budget);
            } else if (!type.equals("disabled")) {
                throw GatewayException.invalid("thinking.type: Input should be 'enabled' or 'disabled'", "thinking.type");
            }
        }
        String user = null;
        JsonNode metadata = root.get("metadata");
        if (metadata != null && !metadata.isNull()) {
            if (!metadata.isObject()) {
                throw GatewayException.invalid("metadata: Input should be an object", "metadata");
            }
            metadata.properties().forEach(e -> {
                if (!e.getKey().equals("user_id")) {
                    throw GatewayException.invalid("metadata." + e.getKey() + ": Extra inputs are not permitted", "metadata." + e.getKey());
                }
            });
            user = string(metadata, "user_id", "metadata.user_id", false);
        }
        ResponseFormat format = null;
        JsonNode output = root.get("output_format");
        if (output != null && !output.isNull()) {
            if (!output.isObject() || !"json_schema".equals(output.path("type").asText()) || !output.path("schema").isObject()) {
                throw GatewayException.invalid("output_format: expected {\"type\":\"json_schema\",\"schema\":{...}}", "output_format");
            }
            format = new ResponseFormat.JsonSchema("output", output.get("schema"), Boolean.TRUE);
        }
        // Structured outputs went GA as output_config.format (output_format was the beta spelling);
        // anthropic-java 3.x sends only output_config, so refusing it refused every SDK user's JSON output.
        JsonNode outputConfig = root.get("output_config");
        if (outputConfig != null && !outputConfig.isNull()) {
            if (!outputConfig.isObject()) {
                throw GatewayException.invalid("output_config: Input should be a valid dictionary", "output_config");
            }
            outputConfig.properties().forEach(e -> {
                if (!e.getKey().equals("format")) { // effort has no canonical equivalent yet
                    throw GatewayException.invalid("output_config." + e.getKey() + ": not supported by the gateway", "output_config." + e.getKey());
                }
            });
            JsonNode f = outputConfig.get("format");
            if (f != null && !f.isNull()) {
                if (format != null) {
                    throw GatewayException.invalid("output_config.format: give either output_format or output_config.format", "output_config.format");
                }
                if (!f.isObject() || !"json_schema".equals(f.path("type").asText()) || !f.path("schema").isObject()) {
                    throw GatewayException.invalid("output_config.format: expected {\"type\":\"json_schema\",\"schema\":{...}}", "output_config.format");
                }
                format = new ResponseFormat.JsonSchema("output", f.get("schema"), Boolean.TRUE);
            }
        }
        JsonNode stream = root.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw GatewayException.invalid("stream: Input should be a valid boolean", "stream");
        }
        return new ChatRequest(model, messages, number(root, "temperature"), number(root, "top_p"), maxTokens, stop, null,
                tools, toolChoice, parallel, format, effort, stream != null && stream.asBoolean(), false, user, extra, budget);
    }

    private static List<ContentPart> systemText(JsonNode system) {
        if (system.isTextual()) {
            return List.of(new ContentPart.Text(system.textValue()));
        }
        if (!system.isArray()) {
            throw GatewayException.invalid("system: Input should be a valid string or a list of text blocks", "system");
        }
        List<ContentPart> parts = new ArrayList<>();
        for (int i = 0; i < system.size(); i++) {
            JsonNode b = system.get(i);
            if (!b.isObject() || !"text".equals(b.path("type").asText())) {
                throw GatewayException.invalid("system." + i + ": only text blocks are allowed in system", "system." + i);
            }
            parts.add(new ContentPart.Text(string(b, "text", "system." + i + ".text", true), cacheControl(b)));
        }
        return parts;
    }

    private static void message(JsonNode node, String path, List<Message> out) {
        if (!node.isObject()) {
            throw GatewayException.invalid(path + ": Input should be an object", path);
        }
        String roleText = string(node, "role", path + ".role", true);
        Role role = switch (roleText) {
            case "user" -> Role.USER;
            case "assistant" -> Role.ASSISTANT;
            default -> throw GatewayException.invalid(path + ".role: Input should be 'user' or 'assistant'", path + ".role");
        };
        node.properties().forEach(e -> {
            if (!e.getKey().equals("role") && !e.getKey().equals("content")) {
                throw GatewayException.invalid(path + "." + e.getKey() + ": Extra inputs are not permitted", path + "." + e.getKey());
            }
        });
        JsonNode content = node.get("content");
        if (content == null || content.isNull()) {
            throw GatewayException.invalid(path + ".content: Field required", path + ".content");
        }
        if (content.isTextual()) {
            out.add(Message.text(role, content.textValue()));
            return;
        }
        if (!content.isArray()) {
            throw GatewayException.invalid(path + ".content: Input should be a valid string or list of content blocks", path + ".content");
        }
        List<ContentPart> parts = new ArrayList<>();
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < content.size(); i++) {
            JsonNode block = content.get(i);
            String bp = path + ".content." + i;
            if (!block.isObject()) {
                throw GatewayException.invalid(bp + ": Input should be an object", bp);
            }
            String type = string(block, "type", bp + ".type", true);
            switch (type) {
                case "text" -> parts.add(new ContentPart.Text(string(block, "text", bp + ".text", true), cacheControl(block)));
                case "image" -> parts.add(new ContentPart.Image(imageUrl(block.get("source"), bp + ".source"), null));
                case "tool_use" -> {
                    if (role != Role.ASSISTANT) {
                        throw GatewayException.invalid(bp + ": tool_use blocks are only allowed in assistant messages", bp);
                    }
                    JsonNode input = block.get("input");
                    if (input == null || !input.isObject()) {
                        throw GatewayException.invalid(bp + ".input: Input should be an object", bp + ".input");
                    }
                    calls.add(new ToolCall(string(block, "id", bp + ".id", true), string(block, "name", bp + ".name", true),
                            input.toString()));
                }
                case "tool_result" -> {
                    if (role != Role.USER) {
                        throw GatewayException.invalid(bp + ": tool_result blocks are only allowed in user messages", bp);
                    }
                    if (!parts.isEmpty()) { // text before a tool result: keep the order
                        out.add(new Message(Role.USER, parts, List.of(), null, null, Map.of()));
                        parts = new ArrayList<>();
                    }
                    out.add(toolResult(block, bp));
                }
                case "thinking" -> parts.add(new ContentPart.Reasoning(string(block, "thinking", bp + ".thinking", true),
                        string(block, "signature", bp + ".signature", true), false));
                case "redacted_thinking" -> parts.add(new ContentPart.Reasoning("", string(block, "data", bp + ".data", true), true));
                default -> parts.add(new ContentPart.Other(type, block)); // document, search_result, ...
            }
        }
        if (!parts.isEmpty() || !calls.isEmpty()) {
            out.add(new Message(role, parts, calls, null, null, breakpointExtra(content)));
        }
    }

    /**
     * A prompt-cache breakpoint ({@code cache_control}) on any of these blocks, kept on the message
     * as {@link Message#CACHE_CONTROL} so a provider with explicit cache points can place one after it.
     */
    private static Map<String, JsonNode> breakpointExtra(JsonNode blocks) {
        if (blocks != null && blocks.isArray()) {
            for (JsonNode b : blocks) {
                JsonNode cc = b.get("cache_control");
                if (cc != null && cc.isObject()) {
                    return Map.of(Message.CACHE_CONTROL, cc);
                }
            }
        }
        return Map.of();
    }

    private static Message toolResult(JsonNode block, String path) {
        String id = string(block, "tool_use_id", path + ".tool_use_id", true);
        List<ContentPart> parts = new ArrayList<>();
        JsonNode content = block.get("content");
        if (content != null && content.isTextual()) {
            parts.add(new ContentPart.Text(content.textValue()));
        } else if (content != null && content.isArray()) {
            for (int i = 0; i < content.size(); i++) {
                JsonNode b = content.get(i);
                String bp = path + ".content." + i;
                switch (b.path("type").asText("")) {
                    case "text" -> parts.add(new ContentPart.Text(string(b, "text", bp + ".text", true), cacheControl(b)));
                    case "image" -> parts.add(new ContentPart.Image(imageUrl(b.get("source"), bp + ".source"), null));
                    default -> parts.add(new ContentPart.Other(b.path("type").asText(""), b));
                }
            }
        } else if (content != null && !content.isNull()) {
            throw GatewayException.invalid(path + ".content: Input should be a string or a list of blocks", path + ".content");
        }
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        JsonNode cc = block.get("cache_control");
        if (cc != null && cc.isObject()) {
            extra.put(Message.CACHE_CONTROL, cc);
        }
        JsonNode isError = block.get("is_error");
        if (isError != null && isError.isBoolean() && isError.booleanValue()) {
            extra.put("is_error", isError);
        }
        return new Message(Role.TOOL, parts, List.of(), id, null, extra);
    }

    /** An image source as a URL: base64 data becomes a data URL. */
    private static String imageUrl(JsonNode source, String path) {
        if (source == null || !source.isObject()) {
            throw GatewayException.invalid(path + ": Field required", path);
        }
        String type = string(source, "type", path + ".type", true);
        return switch (type) {
            case "base64" -> "data:" + string(source, "media_type", path + ".media_type", true) + ";base64,"
                    + string(source, "data", path + ".data", true);
            case "url" -> string(source, "url", path + ".url", true);
            default -> throw GatewayException.invalid(path + ".type: image source '" + type
                    + "' cannot be translated for this model (use base64 or url)", path + ".type");
        };
    }

    private static List<ToolDefinition> tools(JsonNode tools) {
        if (tools == null || tools.isNull()) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw GatewayException.invalid("tools: Input should be a valid list", "tools");
        }
        List<ToolDefinition> out = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            String path = "tools." + i;
            if (!t.isObject()) {
                throw GatewayException.invalid(path + ": Input should be an object", path);
            }
            String type = t.path("type").asText("custom");
            if (!type.equals("custom")) {
                throw GatewayException.invalid(path + ".type: Anthropic server tool '" + type
                        + "' can only be used with a model served by Anthropic with passthrough", path + ".type");
            }
            JsonNode schema = t.get("input_schema");
            if (schema == null || !schema.isObject()) {
                throw GatewayException.invalid(path + ".input_schema: Field required (a JSON Schema object)", path + ".input_schema");
            }
            out.add(new ToolDefinition(string(t, "name", path + ".name", true), string(t, "description", path + ".description", false),
                    schema, null));
        }
        return out;
    }

    // ---- field helpers ---------------------------------------------------------------------

    static String string(JsonNode obj, String field, String path, boolean required) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw GatewayException.invalid(path + ": Field required", path);
            }
            return null;
        }
        if (!v.isTextual()) {
            throw GatewayException.invalid(path + ": Input should be a valid string, got " + OpenAiJson.describe(v), path);
        }
        return v.textValue();
    }

    private static Integer positiveInt(JsonNode obj, String field) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
            throw GatewayException.invalid(field + ": Input should be a positive integer", field);
        }
        return v.intValue();
    }

    private static Double number(JsonNode obj, String field) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw GatewayException.invalid(field + ": Input should be a valid number", field);
        }
        if (v.doubleValue() < 0 || v.doubleValue() > 1) {
            throw GatewayException.invalid(field + ": Input should be between 0 and 1", field);
        }
        return v.doubleValue();
    }

    /** A block's prompt-cache breakpoint ({@code cache_control} object), kept for the upstream; null when none. */
    static JsonNode cacheControl(JsonNode block) {
        JsonNode c = block.get("cache_control");
        return c != null && c.isObject() ? c : null;
    }
}
