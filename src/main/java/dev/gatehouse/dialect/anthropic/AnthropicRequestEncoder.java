package dev.gatehouse.dialect.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.ErrorType;
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
import dev.gatehouse.dialect.openai.OpenAiJson;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Canonical chat requests to Anthropic Messages API bodies. Requests are built as trees because turns
 * must be merged (Anthropic wants user and assistant to alternate, tool results inside user turns),
 * which a single forward pass cannot do. Whatever the Messages API cannot express is refused with a
 * 400 naming the feature and the model, never dropped.
 */
final class AnthropicRequestEncoder {
    /** Anthropic request fields without a canonical equivalent that an Anthropic caller may send: written as they came. */
    private static final Set<String> NATIVE_FIELDS = Set.of("top_k", "service_tier", "container", "mcp_servers", "context_management");

    private AnthropicRequestEncoder() {}

    static Buffer encodeChat(ChatRequest r) {
        String model = r.model();
        Map<String, JsonNode> native_ = new LinkedHashMap<>();
        Map<String, JsonNode> foreign = new LinkedHashMap<>();
        r.extra().forEach((k, v) -> (NATIVE_FIELDS.contains(k) ? native_ : foreign).put(k, v));
        refuseExtra(foreign, model, "");
        ObjectNode root = OpenAiJson.MAPPER.createObjectNode();
        root.put("model", model);

        Integer budget = thinkingBudget(r, model);
        int maxTokens;
        if (r.maxTokens() != null) {
            maxTokens = r.maxTokens();
            if (budget != null && budget >= maxTokens) {
                if (maxTokens - 1 < AnthropicFormat.MIN_THINKING_BUDGET) {
                    throw refuse("Thinking (reasoning) needs max_tokens above " + AnthropicFormat.MIN_THINKING_BUDGET
                            + " for Anthropic model '" + model + "', got " + maxTokens + ".", "max_tokens");
                }
                budget = maxTokens - 1; // the budget must be below max_tokens; the caller's limit wins
            }
        } else {
            // Anthropic requires max_tokens; with thinking the budget comes on top of the answer's share.
            maxTokens = AnthropicFormat.defaultMaxTokens(model) + (budget == null ? 0 : budget);
        }
        root.put("max_tokens", maxTokens);

        List<ContentPart.Text> system = new ArrayList<>();
        ArrayNode messages = root.putArray("messages");
        ObjectNode current = null;
        for (int i = 0; i < r.messages().size(); i++) {
            Message m = r.messages().get(i);
            String path = "messages[" + i + "]";
            refuseExtra(m.extra(), model, path + ".");
            if (m.name() != null && m.role() != Role.TOOL) {
                throw refuse("'" + path + ".name' (participant names) is not supported by Anthropic model '" + model + "'.",
                        path + ".name");
            }
            if (m.role() == Role.SYSTEM || m.role() == Role.DEVELOPER) {
                for (ContentPart p : m.content()) {
                    if (!(p instanceof ContentPart.Text t)) {
                        throw refuse("'" + path + ".content' of a system message may only hold text for Anthropic model '"
                                + model + "'.", path + ".content");
                    }
                    system.add(t);
                }
                continue;
            }
            String role = m.role() == Role.ASSISTANT ? "assistant" : "user";
            List<ObjectNode> blocks = blocks(m, path, model);
            JsonNode cacheControl = m.extra().get(Message.CACHE_CONTROL);
            // The breakpoint the caller set on a block that has no part of its own to carry it (a tool
            // result, an image); a text block keeps its own. Never a second one: Anthropic allows four.
            if (cacheControl != null && cacheControl.isObject() && !blocks.isEmpty()
                    && blocks.stream().noneMatch(b -> b.has("cache_control"))) {
                blocks.get(blocks.size() - 1).set("cache_control", cacheControl);
            }
            if (blocks.isEmpty() && m.role() == Role.ASSISTANT) {
                continue; // an empty assistant turn carries nothing and Anthropic refuses empty content
            }
            if (current != null && current.path("role").asText().equals(role)) {
                ArrayNode content = (ArrayNode) current.get("content");
                blocks.forEach(content::add);
            } else {
                current = messages.addObject();
                current.put("role", role);
                ArrayNode content = current.putArray("content");
                blocks.forEach(content::add);
            }
        }
        for (JsonNode turn : messages) {
            toolResultsFirst((ArrayNode) turn.get("content"));
        }
        if (system.stream().anyMatch(t -> t.cacheControl() != null)) {
            // A prompt-cache breakpoint in the system prompt needs the block form to carry it.
            ArrayNode blocks = root.putArray("system");
            for (ContentPart.Text t : system) {
                if (!t.text().isEmpty()) {
                    ObjectNode b = blocks.addObject().put("type", "text").put("text", t.text());
                    if (t.cacheControl() != null) {
                        b.set("cache_control", t.cacheControl());
                    }
                }
            }
        } else if (!system.isEmpty()) {
            root.put("system", String.join("\n\n", system.stream().map(ContentPart.Text::text).toList()));
        }
        if (r.temperature() != null) {
            if (r.temperature() > 1.0) {
                throw refuse("'temperature' " + r.temperature() + " is above Anthropic's maximum of 1 for model '" + model
                        + "'.", "temperature");
            }
            root.put("temperature", r.temperature());
        }
        if (r.topP() != null) {
            root.put("top_p", r.topP());
        }
        if (!r.stop().isEmpty()) {
            ArrayNode stops = root.putArray("stop_sequences");
            r.stop().forEach(stops::add);
        }
        if (r.seed() != null) {
            throw refuse("'seed' (deterministic sampling) is not supported by Anthropic model '" + model + "'.", "seed");
        }
        boolean jsonOutput = r.responseFormat() instanceof ResponseFormat.JsonObject
                || r.responseFormat() instanceof ResponseFormat.JsonSchema;
        if (!r.tools().isEmpty()) {
            if (jsonOutput) {
                throw refuse("'response_format' JSON output together with 'tools' is not supported for Anthropic model '"
                        + model + "' (the gateway implements JSON output with a forced tool call).", "response_format");
            }
            ArrayNode tools = root.putArray("tools");
            for (ToolDefinition t : r.tools()) {
                if (AnthropicFormat.JSON_TOOL.equals(t.name())) {
                    throw refuse("The tool name '" + AnthropicFormat.JSON_TOOL + "' is reserved by the gateway.", "tools");
                }
                ObjectNode tool = tools.addObject();
                tool.put("name", t.name());
                if (t.description() != null) {
                    tool.put("description", t.description());
                }
                // Anthropic requires an input_schema of type object; a function without parameters takes none.
                tool.set("input_schema", t.parameters() != null ? t.parameters()
                        : OpenAiJson.MAPPER.createObjectNode().put("type", "object").set("properties",
                                OpenAiJson.MAPPER.createObjectNode()));
            }
        }
        ObjectNode toolChoice = null;
        if (r.toolChoice() != null && !r.tools().isEmpty()) {
            toolChoice = OpenAiJson.MAPPER.createObjectNode();
            switch (r.toolChoice()) {
                case ToolChoice.Auto a -> toolChoice.put("type", "auto");
                case ToolChoice.None n -> toolChoice.put("type", "none");
                case ToolChoice.Required q -> toolChoice.put("type", "any");
                case ToolChoice.Named n -> toolChoice.put("type", "tool").put("name", n.name());
            }
        }
        if (Boolean.FALSE.equals(r.parallelToolCalls()) && !r.tools().isEmpty()) {
            if (toolChoice == null) {
                toolChoice = OpenAiJson.MAPPER.createObjectNode().put("type", "auto");
            }
            if (!"none".equals(toolChoice.path("type").asText())) {
                toolChoice.put("disable_parallel_tool_use", true);
            }
        }
        if (jsonOutput) {
            JsonNode schema = r.responseFormat() instanceof ResponseFormat.JsonSchema s && s.schema() != null
                    ? s.schema() : OpenAiJson.MAPPER.createObjectNode().put("type", "object");
            if (!"object".equals(schema.path("type").asText(null))) {
                throw refuse("'response_format.json_schema.schema' must describe an object (\"type\":\"object\") for Anthropic"
                        + " model '" + model + "': the gateway returns JSON output through a tool call, whose input is an object.",
                        "response_format.json_schema.schema");
            }
            ObjectNode tool = root.putArray("tools").addObject();
            tool.put("name", AnthropicFormat.JSON_TOOL);
            tool.put("description", "Give the complete answer as this tool's input, in the requested JSON shape.");
            tool.set("input_schema", schema);
            toolChoice = OpenAiJson.MAPPER.createObjectNode().put("type", "tool").put("name", AnthropicFormat.JSON_TOOL);
        }
        if (toolChoice != null) {
            root.set("tool_choice", toolChoice);
        }
        if (budget != null) {
            if (r.temperature() != null && r.temperature() != 1.0) {
                throw refuse("Thinking (reasoning) cannot be combined with 'temperature' " + r.temperature()
                        + " on Anthropic model '" + model + "' (only 1 is allowed).", "temperature");
            }
            if (r.topP() != null && r.topP() < 0.95) {
                throw refuse("Thinking (reasoning) cannot be combined with 'top_p' below 0.95 on Anthropic model '" + model
                        + "'.", "top_p");
            }
            String forced = toolChoice == null ? "auto" : toolChoice.path("type").asText();
            if (forced.equals("any") || forced.equals("tool")) {
                throw refuse("Thinking (reasoning) cannot be combined with a forced tool choice"
                        + (jsonOutput ? " (which JSON output uses)" : "") + " on Anthropic model '" + model + "'.",
                        jsonOutput ? "response_format" : "tool_choice");
            }
            root.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
        }
        if (r.user() != null) {
            root.putObject("metadata").put("user_id", r.user());
        }
        if (r.stream()) {
            root.put("stream", true);
        }
        native_.forEach(root::set);
        try {
            return Buffer.buffer(OpenAiJson.MAPPER.writeValueAsBytes(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Integer thinkingBudget(ChatRequest r, String model) {
        if (r.reasoningBudget() != null) {
            if (r.reasoningBudget() < AnthropicFormat.MIN_THINKING_BUDGET) {
                throw refuse("A thinking budget of " + r.reasoningBudget() + " tokens is below Anthropic's minimum of "
                        + AnthropicFormat.MIN_THINKING_BUDGET + ".", "thinking.budget_tokens");
            }
            return r.reasoningBudget();
        }
        String effort = r.reasoningEffort();
        if (effort == null || effort.equals("none")) {
            return null;
        }
        Integer budget = AnthropicFormat.budgetFor(effort);
        if (budget == null) {
            throw refuse("'reasoning_effort' '" + effort + "' has no Anthropic thinking budget equivalent for model '" + model
                    + "' (use minimal, low, medium or high).", "reasoning_effort");
        }
        return budget;
    }

    /** The content blocks of one message, in Anthropic's order: thinking, text/images, tool calls. */
    private static List<ObjectNode> blocks(Message m, String path, String model) {
        List<ObjectNode> out = new ArrayList<>();
        if (m.role() == Role.TOOL) {
            ObjectNode result = OpenAiJson.MAPPER.createObjectNode();
            result.put("type", "tool_result");
            result.put("tool_use_id", m.toolCallId());
            List<ObjectNode> inner = new ArrayList<>();
            for (int i = 0; i < m.content().size(); i++) {
                ContentPart p = m.content().get(i);
                if (p instanceof ContentPart.Reasoning) {
                    continue;
                }
                ObjectNode b = partBlock(p, path + ".content[" + i + "]", model);
                if (b != null) {
                    inner.add(b);
                }
            }
            if (inner.size() == 1 && inner.get(0).path("type").asText().equals("text")) {
                result.put("content", inner.get(0).get("text").asText());
            } else if (!inner.isEmpty()) {
                result.putArray("content").addAll(inner);
            }
            Object isError = m.extra().get("is_error");
            if (isError instanceof JsonNode e && e.isBoolean()) {
                result.put("is_error", e.booleanValue());
            }
            out.add(result);
            return out;
        }
        for (ContentPart p : m.content()) {
            if (p instanceof ContentPart.Reasoning reasoning) {
                if (m.role() != Role.ASSISTANT) {
                    continue;
                }
                ObjectNode b = OpenAiJson.MAPPER.createObjectNode();
                if (reasoning.redacted()) {
                    // Redacted thinking keeps its opaque data in the signature field of the canonical part.
                    b.put("type", "redacted_thinking").put("data", reasoning.signature());
                } else {
                    b.put("type", "thinking").put("thinking", reasoning.text()).put("signature", reasoning.signature());
                }
                out.add(b);
            }
        }
        for (int i = 0; i < m.content().size(); i++) {
            ContentPart p = m.content().get(i);
            if (p instanceof ContentPart.Reasoning) {
                continue;
            }
            ObjectNode b = partBlock(p, path + ".content[" + i + "]", model);
            if (b != null) {
                out.add(b);
            }
        }
        for (int i = 0; i < m.toolCalls().size(); i++) {
            ToolCall call = m.toolCalls().get(i);
            ObjectNode b = OpenAiJson.MAPPER.createObjectNode();
            b.put("type", "tool_use").put("id", call.id()).put("name", call.name());
            b.set("input", arguments(call.arguments(), path + ".tool_calls[" + i + "].function.arguments"));
            out.add(b);
        }
        return out;
    }

    private static ObjectNode partBlock(ContentPart p, String path, String model) {
        return switch (p) {
            case ContentPart.Text t -> t.text().isEmpty() ? null : textBlock(t);
            case ContentPart.Image image -> imageBlock(image.url(), path, model);
            case ContentPart.Other o -> {
                // Native Anthropic blocks (documents, cache-controlled text, ...) from an Anthropic caller pass as they are.
                if (o.raw() != null && o.raw().isObject() && o.raw().has("type") && ANTHROPIC_BLOCKS.contains(o.type())) {
                    yield (ObjectNode) o.raw();
                }
                throw refuse("Content part type '" + o.type() + "' at '" + path + "' is not supported by Anthropic model '"
                        + model + "'.", path);
            }
            case ContentPart.Reasoning r -> null;
        };
    }

    /** A text block, with its prompt-cache breakpoint when the caller set one. */
    private static ObjectNode textBlock(ContentPart.Text t) {
        ObjectNode b = OpenAiJson.MAPPER.createObjectNode().put("type", "text").put("text", t.text());
        if (t.cacheControl() != null) {
            b.set("cache_control", t.cacheControl());
        }
        return b;
    }

    private static final Set<String> ANTHROPIC_BLOCKS = Set.of("document", "search_result", "text", "image");

    /** A data URL becomes a base64 source; an http(s) URL a url source (Anthropic fetches it itself). */
    static ObjectNode imageBlock(String url, String path, String model) {
        ObjectNode b = OpenAiJson.MAPPER.createObjectNode().put("type", "image");
        ObjectNode source = b.putObject("source");
        if (url.regionMatches(true, 0, "data:", 0, 5)) {
            int comma = url.indexOf(',');
            String meta = comma < 0 ? "" : url.substring(5, comma);
            if (comma < 0 || !meta.toLowerCase(Locale.ROOT).endsWith(";base64")) {
                throw refuse("The image at '" + path + "' must be a base64 data URL (data:image/png;base64,...) for Anthropic"
                        + " model '" + model + "'.", path);
            }
            String mediaType = meta.substring(0, meta.length() - ";base64".length()).toLowerCase(Locale.ROOT);
            if (!Set.of("image/jpeg", "image/png", "image/gif", "image/webp").contains(mediaType)) {
                throw refuse("Image type '" + mediaType + "' at '" + path + "' is not supported by Anthropic model '" + model
                        + "' (jpeg, png, gif and webp are).", path);
            }
            source.put("type", "base64").put("media_type", mediaType).put("data", url.substring(comma + 1));
        } else if (url.regionMatches(true, 0, "https://", 0, 8) || url.regionMatches(true, 0, "http://", 0, 7)) {
            source.put("type", "url").put("url", url);
        } else {
            throw refuse("The image URL at '" + path + "' must be an http(s) or data URL.", path);
        }
        return b;
    }

    private static JsonNode arguments(String arguments, String path) {
        if (arguments == null || arguments.isBlank()) {
            return OpenAiJson.MAPPER.createObjectNode();
        }
        try {
            JsonNode input = OpenAiJson.MAPPER.readTree(arguments);
            if (input == null || !input.isObject()) {
                throw refuse("'" + path + "' must be a JSON object for Anthropic (tool input is an object).", path);
            }
            return input;
        } catch (JsonProcessingException e) {
            throw refuse("'" + path + "' is not valid JSON; Anthropic needs the tool call's arguments as a JSON object.", path);
        }
    }

    /** Anthropic wants tool_result blocks before any other block of a user turn. */
    private static void toolResultsFirst(ArrayNode content) {
        List<JsonNode> results = new ArrayList<>();
        List<JsonNode> others = new ArrayList<>();
        content.forEach(b -> (b.path("type").asText().equals("tool_result") ? results : others).add(b));
        if (results.isEmpty() || others.isEmpty()) {
            return;
        }
        content.removeAll();
        content.addAll(results);
        content.addAll(others);
    }

    /**
     * Fields of another caller format that Anthropic has no equivalent for. Null values and the
     * neutral defaults (n = 1, logprobs false, penalties 0, store false) carry no meaning and pass.
     */
    private static void refuseExtra(Map<String, JsonNode> extra, String model, String prefix) {
        for (Map.Entry<String, JsonNode> e : extra.entrySet()) {
            String field = e.getKey();
            JsonNode v = e.getValue();
            if (v == null || v.isNull() || neutral(field, v)
                    || (!prefix.isEmpty() && (field.equals("is_error") || field.equals(Message.CACHE_CONTROL)))) {
                continue;
            }
            String what = switch (field) {
                case "n" -> "'n' > 1 (several choices)";
                case "logprobs", "top_logprobs" -> "'" + field + "' (token log probabilities)";
                case "audio", "modalities" -> "'" + field + "' (audio output)";
                case "frequency_penalty", "presence_penalty", "logit_bias" -> "'" + field + "' (token penalties)";
                default -> "'" + prefix + field + "'";
            };
            throw refuse(what + " is not supported by Anthropic model '" + model + "'.", prefix + field);
        }
    }

    private static boolean neutral(String field, JsonNode v) {
        return switch (field) {
            case "n" -> v.isNumber() && v.intValue() == 1;
            case "logprobs", "store" -> v.isBoolean() && !v.booleanValue();
            // OpenAI's prompt-cache routing hints: Anthropic caches at explicit cache_control breakpoints (kept
            // above) and has no such key; the hint changes no answer, so it is dropped rather than refused.
            case "prompt_cache_key", "prompt_cache_retention" -> true;
            case "frequency_penalty", "presence_penalty" -> v.isNumber() && v.doubleValue() == 0;
            case "refusal" -> false;
            default -> false;
        };
    }

    private static GatewayException refuse(String message, String param) {
        return new GatewayException(ErrorType.INVALID_REQUEST, message, param, "unsupported_feature");
    }

    static Buffer encodeEmbeddings(EmbeddingRequest request) {
        throw refuse("Anthropic has no embeddings API, so model '" + request.model()
                + "' on an anthropic provider cannot serve POST /v1/embeddings.", "model");
    }
}
