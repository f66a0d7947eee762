package dev.gatehouse.dialect.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ResponseFormat;
import dev.gatehouse.canonical.ToolChoice;
import dev.gatehouse.canonical.ToolDefinition;
import dev.gatehouse.dialect.openai.OpenAiJson;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Responses API request to the canonical model, validated strictly: every refusal is a 400 that
 * names the field ({@code input[2].content[0].type}), as OpenAI names it. What the canonical model
 * cannot carry to every upstream (background responses, server-side prompts and conversations,
 * built-in tools) is refused here, once, rather than half-translated.
 */
public final class ResponsesRequestDecoder {
    private static final Set<String> KNOWN = Set.of("model", "input", "instructions", "tools", "tool_choice", "text",
            "reasoning", "max_output_tokens", "temperature", "top_p", "metadata", "parallel_tool_calls", "truncation",
            "store", "previous_response_id", "stream", "stream_options", "user", "include", "service_tier",
            "prompt_cache_key", "safety_identifier", "background", "top_logprobs", "max_tool_calls", "conversation",
            "prompt", "prompt_cache_retention");
    /** Values of {@code include} the gateway can honour (or that ask for nothing it leaves out). */
    private static final Set<String> INCLUDES = Set.of("reasoning.encrypted_content");
    private static final int MAX_METADATA = 16;

    private ResponsesRequestDecoder() {}

    public static ResponsesRequest decode(Buffer body) {
        return decode((ObjectNode) OpenAiJson.readRequestTree(body));
    }

    public static ResponsesRequest decode(ObjectNode root) {
        root.properties().forEach(e -> {
            if (!KNOWN.contains(e.getKey())) {
                throw GatewayException.invalid("Unknown parameter: '" + e.getKey() + "'.", e.getKey());
            }
        });
        String model = string(root, "model", true);
        refuseUnsupported(root);
        Boolean stream = bool(root, "stream");
        Boolean store = bool(root, "store");
        String previous = string(root, "previous_response_id", false);
        String instructions = string(root, "instructions", false);
        ArrayNode input = input(root.get("input"));
        if (input.isEmpty() && previous == null) {
            throw GatewayException.invalid("'input' must not be empty.", "input");
        }
        Integer maxOutput = positiveInt(root, "max_output_tokens");
        Double temperature = number(root, "temperature", 0, 2);
        Double topP = number(root, "top_p", 0, 1);
        Boolean parallel = bool(root, "parallel_tool_calls");
        metadata(root.get("metadata"));
        String truncation = string(root, "truncation", false);
        if (truncation != null && !truncation.equals("disabled") && !truncation.equals("auto")) {
            throw GatewayException.invalid("Invalid value for 'truncation': expected 'auto' or 'disabled', got '" + truncation + "'.",
                    "truncation");
        }
        if ("auto".equals(truncation)) {
            // The gateway cannot know each upstream's context window, so it cannot drop the right items.
            throw unsupported("truncation", "'truncation': 'auto' (dropping the oldest items to fit the context window)");
        }
        include(root.get("include"));
        String user = string(root, "user", false);
        String safety = string(root, "safety_identifier", false);
        string(root, "prompt_cache_key", false); // a hint for OpenAI's cache; translated upstreams cache on their own terms
        streamOptions(root.get("stream_options"));
        String tier = string(root, "service_tier", false);
        if (tier != null && !tier.equals("auto") && !tier.equals("default")) {
            throw unsupported("service_tier", "'service_tier': '" + tier + "'");
        }
        List<ToolDefinition> tools = tools(root.get("tools"));
        ToolChoice toolChoice = toolChoice(root.get("tool_choice"));
        ResponseFormat format = textFormat(root.get("text"));
        String effort = reasoning(root.get("reasoning"));
        ChatRequest parameters = new ChatRequest(model, List.of(), temperature, topP, maxOutput, List.of(), null, tools,
                toolChoice, parallel, format, effort, stream != null && stream, false, user != null ? user : safety, Map.of());
        return new ResponsesRequest(root, model, stream != null && stream, store == null || store, previous, parameters, input,
                instructions);
    }

    /** Parameters the gateway does not serve: a 400 naming each, in one place. */
    private static void refuseUnsupported(ObjectNode root) {
        JsonNode background = root.get("background");
        if (background != null && !background.isNull()) {
            if (!background.isBoolean()) {
                throw invalidType("background", "a boolean", background);
            }
            if (background.booleanValue()) {
                throw unsupported("background", "background responses ('background': true)");
            }
        }
        for (String field : List.of("conversation", "prompt", "max_tool_calls")) {
            JsonNode v = root.get(field);
            if (v != null && !v.isNull()) {
                throw unsupported(field, "'" + field + "'");
            }
        }
        JsonNode logprobs = root.get("top_logprobs");
        if (logprobs != null && !logprobs.isNull() && !(logprobs.isIntegralNumber() && logprobs.intValue() == 0)) {
            throw unsupported("top_logprobs", "'top_logprobs'");
        }
        JsonNode retention = root.get("prompt_cache_retention");
        if (retention != null && !retention.isNull() && !retention.isTextual()) {
            throw invalidType("prompt_cache_retention", "a string", retention);
        }
    }

    // ---- input ---------------------------------------------------------------------------

    private static ArrayNode input(JsonNode input) {
        ArrayNode items = OpenAiJson.MAPPER.createArrayNode();
        if (input == null || input.isNull()) {
            return items;
        }
        if (input.isTextual()) {
            ObjectNode item = items.addObject().put("id", ResponsesIds.inputItem()).put("type", "message").put("role", "user");
            item.putArray("content").addObject().put("type", "input_text").put("text", input.textValue());
            return items;
        }
        if (!input.isArray()) {
            throw invalidType("input", "a string or an array of input items", input);
        }
        for (int i = 0; i < input.size(); i++) {
            items.add(item(input.get(i), "input[" + i + "]"));
        }
        return items;
    }

    private static ObjectNode item(JsonNode node, String path) {
        if (!node.isObject()) {
            throw invalidType(path, "an object", node);
        }
        ObjectNode item = ((ObjectNode) node).deepCopy();
        String type = item.hasNonNull("type") ? text(item, "type", path) : "message";
        switch (type) {
            case "message" -> message(item, path);
            case "function_call" -> {
                required(item, "call_id", path);
                required(item, "name", path);
                required(item, "arguments", path);
            }
            case "function_call_output" -> {
                required(item, "call_id", path);
                JsonNode output = item.get("output");
                if (output == null || output.isNull()) {
                    throw missing(path + ".output");
                }
                if (output.isArray()) {
                    for (int i = 0; i < output.size(); i++) {
                        part(output.get(i), path + ".output[" + i + "]", false);
                    }
                } else if (!output.isTextual()) {
                    throw invalidType(path + ".output", "a string or an array of content parts", output);
                }
            }
            case "reasoning" -> { } // kept for input_items, dropped on the way upstream (ResponsesItems)
            case "item_reference" -> throw unsupported(path + ".type",
                    "'item_reference' input items (send the item itself, or use previous_response_id)");
            case "mcp_list_tools", "mcp_approval_request", "mcp_approval_response", "mcp_call" -> throw BuiltInTools.refuse(path + ".type", type);
            case "file_search_call" -> throw BuiltInTools.refuse(path + ".type", "file_search");
            default -> throw unsupported(path + ".type", "'" + type + "' input items");
        }
        item.put("type", type);
        if (!item.hasNonNull("id")) {
            item.put("id", ResponsesIds.inputItem());
        }
        return item;
    }

    private static void message(ObjectNode item, String path) {
        String role = text(item, "role", path);
        if (role == null) {
            throw missing(path + ".role");
        }
        boolean assistant = role.equals("assistant");
        if (!assistant && !role.equals("user") && !role.equals("system") && !role.equals("developer")) {
            throw GatewayException.invalid("Invalid value: '" + role + "'. Supported values are: 'assistant', 'system', 'developer',"
                    + " and 'user'.", path + ".role");
        }
        JsonNode content = item.get("content");
        if (content == null || content.isNull()) {
            throw missing(path + ".content");
        }
        if (content.isTextual()) {
            ArrayNode parts = OpenAiJson.MAPPER.createArrayNode();
            ObjectNode part = assistant ? ResponsesItems.outputText(content.textValue())
                    : OpenAiJson.MAPPER.createObjectNode().put("type", "input_text").put("text", content.textValue());
            parts.add(part);
            item.set("content", parts);
            return;
        }
        if (!content.isArray()) {
            throw invalidType(path + ".content", "a string or an array of content parts", content);
        }
        for (int i = 0; i < content.size(); i++) {
            part(content.get(i), path + ".content[" + i + "]", assistant);
        }
    }

    private static void part(JsonNode part, String path, boolean assistant) {
        if (!part.isObject()) {
            throw invalidType(path, "an object", part);
        }
        String type = text(part, "type", path);
        if (type == null) {
            throw missing(path + ".type");
        }
        switch (type) {
            case "input_text", "output_text" -> required(part, "text", path);
            case "refusal" -> required(part, "refusal", path);
            case "input_image" -> {
                if (part.hasNonNull("file_id")) {
                    throw unsupported(path + ".file_id", "uploaded file ids (send 'image_url' as a URL or a data: URL)");
                }
                required(part, "image_url", path);
                String detail = text(part, "detail", path);
                if (detail != null && !Set.of("low", "high", "auto").contains(detail)) {
                    throw GatewayException.invalid("Invalid value for '" + path + ".detail': expected 'low', 'high' or 'auto'.",
                            path + ".detail");
                }
            }
            case "input_file" -> {
                if (part.hasNonNull("file_id")) {
                    throw unsupported(path + ".file_id", "uploaded file ids (send 'file_data' as a base64 data: URL)");
                }
                if (part.hasNonNull("file_url")) {
                    throw unsupported(path + ".file_url", "files by URL (send 'file_data' as a base64 data: URL)");
                }
                required(part, "file_data", path);
                text(part, "filename", path);
            }
            default -> throw GatewayException.invalid("Invalid value: '" + type + "'. Supported values are: 'input_text',"
                    + " 'input_image', 'input_file'" + (assistant ? ", 'output_text' and 'refusal'." : "."), path + ".type");
        }
    }

    // ---- tools and output shape -----------------------------------------------------------

    private static List<ToolDefinition> tools(JsonNode tools) {
        if (tools == null || tools.isNull()) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw invalidType("tools", "an array", tools);
        }
        List<ToolDefinition> out = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            String path = "tools[" + i + "]";
            if (!t.isObject()) {
                throw invalidType(path, "an object", t);
            }
            String type = text(t, "type", path);
            if (type == null) {
                throw missing(path + ".type");
            }
            if (!type.equals("function")) {
                throw BuiltInTools.refuse(path + ".type", type);
            }
            String name = text(t, "name", path);
            if (name == null) {
                throw missing(path + ".name");
            }
            JsonNode parameters = t.get("parameters");
            if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
                throw invalidType(path + ".parameters", "a JSON Schema object", parameters);
            }
            JsonNode strict = t.get("strict");
            if (strict != null && !strict.isNull() && !strict.isBoolean()) {
                throw invalidType(path + ".strict", "a boolean", strict);
            }
            out.add(new ToolDefinition(name, text(t, "description", path), parameters == null || parameters.isNull() ? null : parameters,
                    strict == null || strict.isNull() ? null : strict.booleanValue()));
        }
        return out;
    }

    private static ToolChoice toolChoice(JsonNode choice) {
        if (choice == null || choice.isNull()) {
            return null;
        }
        if (choice.isTextual()) {
            return switch (choice.textValue()) {
                case "auto" -> new ToolChoice.Auto();
                case "none" -> new ToolChoice.None();
                case "required" -> new ToolChoice.Required();
                default -> throw GatewayException.invalid("Invalid value for 'tool_choice': expected 'auto', 'none', 'required' or an"
                        + " object, got '" + choice.textValue() + "'.", "tool_choice");
            };
        }
        if (!choice.isObject()) {
            throw invalidType("tool_choice", "a string or an object", choice);
        }
        String type = text(choice, "type", "tool_choice");
        if ("function".equals(type)) {
            String name = text(choice, "name", "tool_choice");
            if (name == null) {
                throw missing("tool_choice.name");
            }
            return new ToolChoice.Named(name);
        }
        if (type == null) {
            throw missing("tool_choice.type");
        }
        throw type.equals("allowed_tools") ? unsupported("tool_choice.type", "'tool_choice' of type 'allowed_tools'")
                : BuiltInTools.refuse("tool_choice.type", type);
    }

    private static ResponseFormat textFormat(JsonNode text) {
        if (text == null || text.isNull()) {
            return null;
        }
        if (!text.isObject()) {
            throw invalidType("text", "an object", text);
        }
        ResponseFormat result = null;
        for (var e : text.properties()) {
            switch (e.getKey()) {
                case "format" -> result = format(e.getValue());
                case "verbosity" -> {
                    if (!e.getValue().isNull()) {
                        throw unsupported("text.verbosity", "'text.verbosity'");
                    }
                }
                default -> throw GatewayException.invalid("Unknown parameter: 'text." + e.getKey() + "'.", "text." + e.getKey());
            }
        }
        return result;
    }

    private static ResponseFormat format(JsonNode format) {
        if (format == null || format.isNull()) {
            return null;
        }
        if (!format.isObject()) {
            throw invalidType("text.format", "an object", format);
        }
        String type = text(format, "type", "text.format");
        if (type == null) {
            throw missing("text.format.type");
        }
        return switch (type) {
            case "text" -> new ResponseFormat.Text();
            case "json_object" -> new ResponseFormat.JsonObject();
            case "json_schema" -> {
                String name = text(format, "name", "text.format");
                if (name == null) {
                    throw missing("text.format.name");
                }
                JsonNode schema = format.get("schema");
                if (schema == null || !schema.isObject()) {
                    throw schema == null || schema.isNull() ? missing("text.format.schema") : invalidType("text.format.schema", "an object", schema);
                }
                JsonNode strict = format.get("strict");
                if (strict != null && !strict.isNull() && !strict.isBoolean()) {
                    throw invalidType("text.format.strict", "a boolean", strict);
                }
                yield new ResponseFormat.JsonSchema(name, schema, strict == null || strict.isNull() ? null : strict.booleanValue());
            }
            default -> throw GatewayException.invalid("Invalid value for 'text.format.type': expected 'text', 'json_object' or"
                    + " 'json_schema', got '" + type + "'.", "text.format.type");
        };
    }

    private static String reasoning(JsonNode reasoning) {
        if (reasoning == null || reasoning.isNull()) {
            return null;
        }
        if (!reasoning.isObject()) {
            throw invalidType("reasoning", "an object", reasoning);
        }
        String effort = null;
        for (var e : reasoning.properties()) {
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "effort" -> {
                    if (v.isNull()) {
                        continue;
                    }
                    effort = v.isTextual() ? v.textValue() : null;
                    if (effort == null || !Set.of("minimal", "low", "medium", "high").contains(effort)) {
                        throw GatewayException.invalid("Invalid value for 'reasoning.effort': expected 'minimal', 'low', 'medium'"
                                + " or 'high'.", "reasoning.effort");
                    }
                }
                // Summaries are what the upstream shows of its reasoning: given where it gives them.
                case "summary", "generate_summary" -> {
                    if (!v.isNull() && !(v.isTextual() && Set.of("auto", "concise", "detailed").contains(v.textValue()))) {
                        throw GatewayException.invalid("Invalid value for 'reasoning." + e.getKey()
                                + "': expected 'auto', 'concise' or 'detailed'.", "reasoning." + e.getKey());
                    }
                }
                default -> throw GatewayException.invalid("Unknown parameter: 'reasoning." + e.getKey() + "'.", "reasoning." + e.getKey());
            }
        }
        return effort;
    }

    private static void metadata(JsonNode metadata) {
        if (metadata == null || metadata.isNull()) {
            return;
        }
        if (!metadata.isObject()) {
            throw invalidType("metadata", "an object", metadata);
        }
        if (metadata.size() > MAX_METADATA) {
            throw GatewayException.invalid("Invalid 'metadata': too many properties. Expected at most 16, got " + metadata.size() + ".",
                    "metadata");
        }
        metadata.properties().forEach(e -> {
            if (e.getKey().length() > 64) {
                throw GatewayException.invalid("Invalid 'metadata': keys must be at most 64 characters.", "metadata");
            }
            if (!e.getValue().isTextual() || e.getValue().textValue().length() > 512) {
                throw GatewayException.invalid("Invalid 'metadata." + e.getKey() + "': values must be strings of at most 512 characters.",
                        "metadata." + e.getKey());
            }
        });
    }

    private static void include(JsonNode include) {
        if (include == null || include.isNull()) {
            return;
        }
        if (!include.isArray()) {
            throw invalidType("include", "an array of strings", include);
        }
        for (int i = 0; i < include.size(); i++) {
            JsonNode v = include.get(i);
            if (!v.isTextual()) {
                throw invalidType("include[" + i + "]", "a string", v);
            }
            if (!INCLUDES.contains(v.textValue())) {
                throw unsupported("include[" + i + "]", "'include' of '" + v.textValue() + "'");
            }
        }
    }

    private static void streamOptions(JsonNode options) {
        if (options == null || options.isNull()) {
            return;
        }
        if (!options.isObject()) {
            throw invalidType("stream_options", "an object", options);
        }
        options.properties().forEach(e -> {
            if (!e.getKey().equals("include_obfuscation")) {
                throw GatewayException.invalid("Unknown parameter: 'stream_options." + e.getKey() + "'.", "stream_options." + e.getKey());
            }
        });
    }

    // ---- field helpers -------------------------------------------------------------------

    /** A 400 for a parameter the gateway understands but cannot serve, naming it. */
    static GatewayException unsupported(String param, String what) {
        return new GatewayException(ErrorType.INVALID_REQUEST, what + " is not supported by the gateway's Responses API.", param,
                "unsupported_parameter");
    }

    private static GatewayException missing(String path) {
        return new GatewayException(ErrorType.INVALID_REQUEST, "Missing required parameter: '" + path + "'.", path,
                "missing_required_parameter");
    }

    private static GatewayException invalidType(String path, String expected, JsonNode got) {
        return new GatewayException(ErrorType.INVALID_REQUEST, "Invalid type for '" + path + "': expected " + expected + ", but got "
                + OpenAiJson.describe(got) + " instead.", path, "invalid_type");
    }

    private static void required(JsonNode obj, String field, String path) {
        if (text(obj, field, path) == null) {
            throw missing(path + "." + field);
        }
    }

    /** A string field of an object, or null; any other type is a 400. */
    private static String text(JsonNode obj, String field, String path) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw invalidType(path + "." + field, "a string", v);
        }
        return v.textValue();
    }

    private static String string(JsonNode root, String field, boolean required) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw missing(field);
            }
            return null;
        }
        if (!v.isTextual()) {
            throw invalidType(field, "a string", v);
        }
        return v.textValue();
    }

    private static Boolean bool(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw invalidType(field, "a boolean", v);
        }
        return v.booleanValue();
    }

    private static Integer positiveInt(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
            throw GatewayException.invalid("Invalid '" + field + "': expected a positive integer, got " + v + ".", field);
        }
        return v.intValue();
    }

    private static Double number(JsonNode root, String field, double min, double max) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw invalidType(field, "a number", v);
        }
        double d = v.doubleValue();
        if (d < min || d > max) {
            throw GatewayException.invalid("Invalid '" + field + "': expected a value between " + (int) min + " and " + (int) max
                    + ", got " + v + ".", field);
        }
        return d;
    }
}
