package dev.gatehouse.dialect.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.io.IOException;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The canonical request as a Bedrock Converse / ConverseStream body. The model id travels in the
 * URL, not the body. Mapping (see docs/providers/bedrock.md):
 * <ul>
 *   <li>system and developer messages → {@code system[]} text blocks; the others → {@code messages[]}
 *       with consecutive turns of one role merged (Converse requires alternating roles);</li>
 *   <li>images → {@code image} blocks with bytes (http(s) URLs were fetched by the provider's
 *       {@code prepare}); PDFs and other files → {@code document} blocks;</li>
 *   <li>tool calls → {@code toolUse}, tool results → {@code toolResult} in a user turn, tools →
 *       {@code toolConfig}; JSON output → a forced tool whose input is the answer;</li>
 *   <li>an Anthropic {@code cache_control} breakpoint → a {@code cachePoint} block after the
 *       message (or system prompt) it closed;</li>
 *   <li>max_tokens, temperature, top_p, stop → {@code inferenceConfig}; a thinking budget →
 *       {@code additionalModelRequestFields.thinking} (Claude models).</li>
 * </ul>
 * What Converse cannot express (n &gt; 1, seed, logprobs, ...) is refused with a 400 naming it.
 */
final class BedrockRequestEncoder {
    /** The tool that carries JSON output: its input is the answer. */
    static final String JSON_TOOL = "gatehouse_json_output";
    private static final Set<String> IMAGE_FORMATS = Set.of("png", "jpeg", "gif", "webp");
    private static final Map<String, String> DOCUMENT_FORMATS = Map.ofEntries(
            Map.entry("application/pdf", "pdf"), Map.entry("text/csv", "csv"), Map.entry("application/msword", "doc"),
            Map.entry("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
            Map.entry("application/vnd.ms-excel", "xls"),
            Map.entry("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
            Map.entry("text/html", "html"), Map.entry("text/plain", "txt"), Map.entry("text/markdown", "md"));
    /** Converse's rule for document names; anything else is replaced. */
    private static final Pattern NOT_DOCUMENT_NAME = Pattern.compile("[^a-zA-Z0-9 \\-()\\[\\]]");
    /** Caller fields without a Converse equivalent that are harmless to leave out. */
    private static final Set<String> IGNORED_EXTRA = Set.of("metadata", "store", "service_tier", "stream_options", "top_k",
            "prediction", "modalities", "verbosity");

    private BedrockRequestEncoder() {}

    static Buffer encodeChat(ChatRequest r) {
        String model = r.model();
        ObjectNode root = BedrockWireCodec.MAPPER.createObjectNode();
        extras(r);
        if (r.seed() != null) {
            throw BedrockWireCodec.unsupported("'seed' (deterministic sampling)", model, "seed");
        }
        ArrayNode system = BedrockWireCodec.MAPPER.createArrayNode();
        ArrayNode messages = root.putArray("messages");
        boolean toolHistory = false;
        ObjectNode current = null;
        for (int i = 0; i < r.messages().size(); i++) {
            Message m = r.messages().get(i);
            String path = "messages[" + i + "]";
            if (m.role() == Role.SYSTEM || m.role() == Role.DEVELOPER) {
                for (ContentPart p : m.content()) {
                    if (!(p instanceof ContentPart.Text t)) {
                        throw BedrockWireCodec.unsupported("non-text content in a system message", model, path + ".content");
                    }
                    system.addObject().put("text", t.text());
                }
                if (m.extra().containsKey(Message.CACHE_CONTROL)) {
                    system.addObject().putObject("cachePoint").put("type", "default");
                }
                continue;
            }
            String role = m.role() == Role.ASSISTANT ? "assistant" : "user";
            ArrayNode blocks = BedrockWireCodec.MAPPER.createArrayNode();
            if (m.role() == Role.TOOL) {
                toolHistory = true;
                blocks.add(toolResult(m, path, model));
            } else {
                content(m, blocks, path, model);
                for (ToolCall c : m.toolCalls()) {
                    toolHistory = true;
                    ObjectNode use = blocks.addObject().putObject("toolUse");
                    use.put("toolUseId", c.id());
                    use.put("name", c.name());
                    use.set("input", arguments(c, path, model));
                }
            }
            if (m.extra().containsKey(Message.CACHE_CONTROL) && !blocks.isEmpty()) {
                blocks.addObject().putObject("cachePoint").put("type", "default");
            }
            if (blocks.isEmpty()) {
                continue; // Converse refuses empty content; an empty turn carries nothing
            }
            if (current != null && current.path("role").asText().equals(role)) {
                ((ArrayNode) current.get("content")).addAll(blocks);
            } else {
                current = messages.addObject();
                current.put("role", role);
                current.set("content", blocks);
            }
        }
        if (messages.isEmpty()) {
            throw GatewayException.invalid("messages: Bedrock model '" + model + "' needs at least one user or assistant message",
                    "messages");
        }
        if (!"user".equals(messages.get(0).path("role").asText())) {
            throw BedrockWireCodec.unsupported("a conversation that starts with an assistant message", model, "messages");
        }
        if (!system.isEmpty()) {
            root.set("system", system);
        }
        ObjectNode inference = BedrockWireCodec.MAPPER.createObjectNode();
        if (r.maxTokens() != null) {
            inference.put("maxTokens", r.maxTokens());
        }
        if (r.temperature() != null) {
            inference.put("temperature", r.temperature());
        }
        if (r.topP() != null) {
            inference.put("topP", r.topP());
        }
        if (!r.stop().isEmpty()) {
            ArrayNode stop = inference.putArray("stopSequences");
            r.stop().forEach(stop::add);
        }
        if (!inference.isEmpty()) {
            root.set("inferenceConfig", inference);
        }
        tools(r, root, toolHistory, model);
        if (r.reasoningBudget() != null) {
            root.putObject("additionalModelRequestFields").putObject("thinking")
                    .put("type", "enabled").put("budget_tokens", r.reasoningBudget());
        }
        return Buffer.buffer(BedrockWireCodec.write(root));
    }

    private static void content(Message m, ArrayNode blocks, String path, String model) {
        for (int j = 0; j < m.content().size(); j++) {
            ContentPart p = m.content().get(j);
            String where = path + ".content[" + j + "]";
            switch (p) {
                case ContentPart.Text t -> {
                    if (!t.text().isEmpty()) { // Converse refuses blank text blocks
                        blocks.addObject().put("text", t.text());
                    }
                }
                case ContentPart.Image img -> blocks.add(image(img.url(), where, model));
                case ContentPart.Reasoning rz -> {
                    if (m.role() == Role.ASSISTANT) {
                        ObjectNode reasoning = blocks.addObject().putObject("reasoningContent");
                        if (rz.redacted()) {
                            reasoning.put("redactedContent", rz.signature());
                        } else {
                            ObjectNode text = reasoning.putObject("reasoningText");
                            text.put("text", rz.text());
                            if (rz.signature() != null) {
                                text.put("signature", rz.signature());
                            }
                        }
                    }
                }
                case ContentPart.Other o -> other(o, blocks, where, model);
            }
        }
    }

    /** Files: OpenAI's {@code file} part and Anthropic's {@code document} block become Converse documents. */
    private static void other(ContentPart.Other o, ArrayNode blocks, String where, String model) {
        JsonNode raw = o.raw();
        switch (o.type()) {
            case "file" -> {
                String data = raw.path("file").path("file_data").asText(null);
                if (data == null) {
                    throw BedrockWireCodec.unsupported("a 'file' part without 'file_data' (uploaded file ids)", model,
                            where + ".file");
                }
                DataUrl url = DataUrl.parse(data, where + ".file.file_data");
                blocks.add(document(url.mediaType(), url.base64(), raw.path("file").path("filename").asText("document"),
                        where, model));
            }
            case "document" -> {
                JsonNode source = raw.path("source");
                String type = source.path("type").asText("");
                String name = raw.path("title").asText("document");
                switch (type) {
                    case "base64" -> blocks.add(document(source.path("media_type").asText(""),
                            source.path("data").asText(""), name, where, model));
                    case "text" -> blocks.add(document("text/plain", Base64.getEncoder().encodeToString(
                            source.path("data").asText("").getBytes(java.nio.charset.StandardCharsets.UTF_8)), name, where, model));
                    default -> throw BedrockWireCodec.unsupported("a document source of type '" + type + "'", model,
                            where + ".source.type");
                }
            }
            case "refusal" -> {
                String text = raw.path("refusal").asText("");
                if (!text.isEmpty()) {
                    blocks.addObject().put("text", text);
                }
            }
            default -> throw BedrockWireCodec.unsupported("content of type '" + o.type() + "'", model, where);
        }
    }

    private static ObjectNode document(String mediaType, String base64, String name, String where, String model) {
        String format = DOCUMENT_FORMATS.get(mediaType.toLowerCase(Locale.ROOT));
        if (format == null) {
            throw BedrockWireCodec.unsupported("documents of type '" + mediaType + "' (Converse takes "
                    + String.join(", ", DOCUMENT_FORMATS.values().stream().sorted().toList()) + ")", model, where);
        }
        String base = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
        String cleaned = NOT_DOCUMENT_NAME.matcher(base).replaceAll(" ").strip();
        ObjectNode block = BedrockWireCodec.MAPPER.createObjectNode();
        ObjectNode doc = block.putObject("document");
        doc.put("format", format);
        doc.put("name", cleaned.isEmpty() ? "document" : cleaned.length() > 200 ? cleaned.substring(0, 200) : cleaned);
        doc.putObject("source").put("bytes", base64);
        return block;
    }

    static ObjectNode image(String url, String where, String model) {
        if (!url.startsWith("data:")) {
            // http(s) URLs were fetched in prepare(); anything left is a scheme nobody can fetch.
            throw BedrockWireCodec.unsupported("image URLs other than http(s) or data URLs", model, where + ".image_url.url");
        }
        DataUrl data = DataUrl.parse(url, where + ".image_url.url");
        String format = data.mediaType().toLowerCase(Locale.ROOT).replace("image/", "").replace("jpg", "jpeg");
        if (!IMAGE_FORMATS.contains(format)) {
            throw BedrockWireCodec.unsupported("images of type '" + data.mediaType() + "' (Converse takes png, jpeg, gif, webp)",
                    model, where + ".image_url.url");
        }
        ObjectNode block = BedrockWireCodec.MAPPER.createObjectNode();
        ObjectNode image = block.putObject("image");
        image.put("format", format);
        image.putObject("source").put("bytes", data.base64());
        return block;
    }

    private static ObjectNode toolResult(Message m, String path, String model) {
        ObjectNode block = BedrockWireCodec.MAPPER.createObjectNode();
        ObjectNode result = block.putObject("toolResult");
        if (m.toolCallId() == null) {
            throw GatewayException.invalid("'" + path + ".tool_call_id' is required for tool messages", path + ".tool_call_id");
        }
        result.put("toolUseId", m.toolCallId());
        ArrayNode content = result.putArray("content");
        for (int j = 0; j < m.content().size(); j++) {
            ContentPart p = m.content().get(j);
            String where = path + ".content[" + j + "]";
            switch (p) {
                case ContentPart.Text t -> content.addObject().put("text", t.text());
                case ContentPart.Image img -> content.add(image(img.url(), where, model));
                case ContentPart.Reasoning rz -> { }
                case ContentPart.Other o -> other(o, content, where, model);
            }
        }
        if (content.isEmpty()) {
            content.addObject().put("text", "");
        }
        JsonNode isError = m.extra().get("is_error");
        if (isError != null && isError.asBoolean(false)) {
            result.put("status", "error");
        }
        return block;
    }

    private static JsonNode arguments(ToolCall c, String path, String model) {
        String args = c.arguments() == null || c.arguments().isBlank() ? "{}" : c.arguments();
        try {
            JsonNode input = BedrockWireCodec.MAPPER.readTree(args);
            if (input != null && input.isObject()) {
                return input;
            }
        } catch (IOException e) {
            // reported below
        }
        throw GatewayException.invalid("'" + path + ".tool_calls' arguments of '" + c.name()
                + "' must be a JSON object for Bedrock model '" + model + "'", path + ".tool_calls");
    }

    private static void tools(ChatRequest r, ObjectNode root, boolean toolHistory, String model) {
        boolean jsonOutput = r.responseFormat() instanceof ResponseFormat.JsonObject
                || r.responseFormat() instanceof ResponseFormat.JsonSchema;
        if (jsonOutput && !r.tools().isEmpty()) {
            throw BedrockWireCodec.unsupported("'response_format' JSON output together with 'tools' (the gateway implements "
                    + "JSON output with a forced tool call)", model, "response_format");
        }
        boolean none = r.toolChoice() instanceof ToolChoice.None;
        if (none && toolHistory) {
            throw BedrockWireCodec.unsupported("'tool_choice: none' in a conversation with tool calls (Converse has no 'none')",
                    model, "tool_choice");
        }
        if (r.tools().isEmpty() && !jsonOutput) {
            if (toolHistory) {
                throw GatewayException.invalid("'tools' must be given for Bedrock model '" + model
                        + "' when the conversation holds tool calls or results", "tools");
            }
            return;
        }
        if (none) {
            return; // no tools offered is Converse's way to say none
        }
        ObjectNode config = root.putObject("toolConfig");
        ArrayNode tools = config.putArray("tools");
        if (jsonOutput) {
            JsonNode schema = r.responseFormat() instanceof ResponseFormat.JsonSchema s && s.schema() != null
                    ? s.schema() : BedrockWireCodec.MAPPER.createObjectNode().put("type", "object");
            if (!"object".equals(schema.path("type").asText(null))) {
                throw BedrockWireCodec.unsupported("a JSON schema that does not describe an object (the gateway returns JSON "
                        + "output through a tool call, whose input is an object)", model, "response_format.json_schema.schema");
            }
            toolSpec(tools, JSON_TOOL, "Give the complete answer as this tool's input, in the requested JSON shape.", schema);
            config.putObject("toolChoice").putObject("tool").put("name", JSON_TOOL);
            return;
        }
        for (ToolDefinition t : r.tools()) {
            if (JSON_TOOL.equals(t.name())) {
                throw GatewayException.invalid("The tool name '" + JSON_TOOL + "' is reserved by the gateway.", "tools");
            }
            toolSpec(tools, t.name(), t.description(), t.parameters() != null ? t.parameters()
                    : BedrockWireCodec.MAPPER.createObjectNode().put("type", "object").set("properties",
                            BedrockWireCodec.MAPPER.createObjectNode()));
        }
        if (r.toolChoice() instanceof ToolChoice.Required) {
            config.putObject("toolChoice").putObject("any");
        } else if (r.toolChoice() instanceof ToolChoice.Named n) {
            config.putObject("toolChoice").putObject("tool").put("name", n.name());
        } else if (r.toolChoice() instanceof ToolChoice.Auto) {
            config.putObject("toolChoice").putObject("auto");
        }
    }

    private static void toolSpec(ArrayNode tools, String name, String description, JsonNode schema) {
        ObjectNode spec = tools.addObject().putObject("toolSpec");
        spec.put("name", name);
        if (description != null && !description.isEmpty()) {
            spec.put("description", description);
        }
        spec.putObject("inputSchema").set("json", schema);
    }

    private static void extras(ChatRequest r) {
        for (Map.Entry<String, JsonNode> e : r.extra().entrySet()) {
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (v == null || v.isNull() || IGNORED_EXTRA.contains(key)) {
                continue;
            }
            switch (key) {
                case "n" -> {
                    if (v.asInt(1) != 1) {
                        throw BedrockWireCodec.unsupported("'n' > 1 (several choices per request)", r.model(), "n");
                    }
                }
                case "logprobs", "top_logprobs" -> {
                    if (v.asBoolean(false) || v.isNumber()) {
                        throw BedrockWireCodec.unsupported("'" + key + "'", r.model(), key);
                    }
                }
                case "presence_penalty", "frequency_penalty", "logit_bias" ->
                        throw BedrockWireCodec.unsupported("'" + key + "'", r.model(), key);
                default -> throw BedrockWireCodec.unsupported("the field '" + key + "'", r.model(), key);
            }
        }
    }

    /** A {@code data:<type>;base64,<bytes>} URL taken apart. */
    record DataUrl(String mediaType, String base64) {
        static DataUrl parse(String url, String where) {
            int comma = url.indexOf(',');
            String head = comma < 0 ? "" : url.substring(5, comma);
            if (!url.startsWith("data:") || comma < 0 || !head.endsWith(";base64")) {
                throw GatewayException.invalid("'" + where + "' must be a base64 data URL (data:<type>;base64,...)", where);
            }
            return new DataUrl(head.substring(0, head.length() - ";base64".length()), url.substring(comma + 1));
        }
    }
}
