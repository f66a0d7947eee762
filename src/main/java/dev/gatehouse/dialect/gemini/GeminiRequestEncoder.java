package dev.gatehouse.dialect.gemini;

import static dev.gatehouse.dialect.gemini.GeminiToolCallIds.signatureOf;
import static dev.gatehouse.dialect.gemini.GeminiWireCodec.MAPPER;
import static dev.gatehouse.dialect.gemini.GeminiWireCodec.unsupported;
import static dev.gatehouse.dialect.gemini.GeminiWireCodec.write;

import com.fasterxml.jackson.core.JsonProcessingException;
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
import dev.gatehouse.provider.Excerpt;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Canonical chat and embeddings requests to Gemini's {@code generateContent} and
 * {@code batchEmbedContents} bodies: turns merged to alternate, system messages to
 * {@code systemInstruction}, tools and JSON schemas converted, reasoning effort to a thinking config.
 * Whatever Gemini cannot express is refused with a 400 naming the feature and the model.
 */
final class GeminiRequestEncoder {
    /** OpenAI fields that change nothing about the answer: OpenAI-side storage and dashboard tags. */
    /** No answer depends on these: storage flags and OpenAI's prompt-cache routing hints (Gemini caches implicitly). */
    private static final Set<String> IGNORED_EXTRA = Set.of("store", "metadata", "prompt_cache_key", "prompt_cache_retention");

    private GeminiRequestEncoder() {}

    static Buffer encodeChat(ChatRequest r) {
        String model = r.model();
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode generation = MAPPER.createObjectNode();
        extras(r, generation);
        // parallel_tool_calls: false has no Gemini switch; the decoders pass on the first call only (GeminiWireCodec).

        ArrayNode contents = root.putArray("contents");
        ArrayNode system = MAPPER.createArrayNode();
        Map<String, String> callNames = new HashMap<>(); // tool_call_id -> function name, from the conversation
        ObjectNode last = null;
        for (int i = 0; i < r.messages().size(); i++) {
            Message m = r.messages().get(i);
            String path = "messages[" + i + "]";
            if (m.role() == Role.SYSTEM || m.role() == Role.DEVELOPER) {
                for (ContentPart p : m.content()) {
                    if (!(p instanceof ContentPart.Text t)) {
                        throw unsupported("non-text content in a " + m.role().name().toLowerCase(Locale.ROOT) + " message", model,
                                path + ".content");
                    }
                    system.addObject().put("text", t.text());
                }
                continue;
            }
            String role = m.role() == Role.ASSISTANT ? "model" : "user";
            ArrayNode parts = MAPPER.createArrayNode();
            switch (m.role()) {
                case ASSISTANT -> {
                    contentParts(m.content(), parts, model, path, true);
                    for (ToolCall c : m.toolCalls()) {
                        callNames.put(c.id(), c.name());
                        ObjectNode part = parts.addObject();
                        ObjectNode fc = part.putObject("functionCall");
                        fc.put("name", c.name());
                        fc.set("args", argumentsObject(c.arguments(), path));
                        String signature = signatureOf(c.id());
                        if (signature != null) {
                            part.put("thoughtSignature", signature);
                        }
                    }
                }
                case TOOL -> {
                    String name = m.name() != null ? m.name() : callNames.get(m.toolCallId());
                    if (name == null) {
                        throw GatewayException.invalid("'" + path + ".tool_call_id' '" + m.toolCallId()
                                + "' does not match a tool call of an earlier assistant message; Gemini matches tool "
                                + "results to calls by function name, so the call must be in the conversation.",
                                path + ".tool_call_id");
                    }
                    ObjectNode fr = parts.addObject().putObject("functionResponse");
                    fr.put("name", name);
                    fr.set("response", toolResult(m, model, path));
                }
                default -> contentParts(m.content(), parts, model, path, false);
            }
            if (parts.isEmpty()) {
                continue; // Gemini rejects a turn without parts; an empty message says nothing
            }
            if (last != null && last.path("role").asText().equals(role)) {
                ((ArrayNode) last.get("parts")).addAll(parts); // Gemini wants turns to alternate
            } else {
                last = contents.addObject();
                last.put("role", role);
                last.set("parts", parts);
            }
        }
        if (contents.isEmpty()) {
            throw GatewayException.invalid("Gemini model '" + model + "' needs at least one user or assistant message "
                    + "besides system instructions.", "messages");
        }
        if (!system.isEmpty()) {
            root.putObject("systemInstruction").set("parts", system);
        }

        if (!r.tools().isEmpty()) {
            ArrayNode declarations = root.putArray("tools").addObject().putArray("functionDeclarations");
            for (int i = 0; i < r.tools().size(); i++) {
                ToolDefinition t = r.tools().get(i);
                ObjectNode d = declarations.addObject();
                d.put("name", t.name());
                if (t.description() != null) {
                    d.put("description", t.description());
                }
                if (t.parameters() != null && hasProperties(t.parameters())) {
                    d.set("parameters", GeminiSchema.convert(t.parameters(), "tools[" + i + "].function.parameters", model));
                }
            }
        }
        if (r.toolChoice() != null) {
            ObjectNode fcc = root.putObject("toolConfig").putObject("functionCallingConfig");
            switch (r.toolChoice()) {
                case ToolChoice.Auto a -> fcc.put("mode", "AUTO");
                case ToolChoice.None n -> fcc.put("mode", "NONE");
                case ToolChoice.Required q -> fcc.put("mode", "ANY");
                case ToolChoice.Named n -> {
                    fcc.put("mode", "ANY");
                    fcc.putArray("allowedFunctionNames").add(n.name());
                }
            }
        }

        if (r.temperature() != null) {
            generation.put("temperature", r.temperature());
        }
        if (r.topP() != null) {
            generation.put("topP", r.topP());
        }
        if (r.maxTokens() != null) {
            generation.put("maxOutputTokens", r.maxTokens());
        }
        if (!r.stop().isEmpty()) {
            ArrayNode stops = generation.putArray("stopSequences");
            r.stop().forEach(stops::add);
        }
        if (r.seed() != null) {
            if (r.seed() < Integer.MIN_VALUE || r.seed() > Integer.MAX_VALUE) {
                throw unsupported("a 'seed' outside the 32-bit integer range", model, "seed");
            }
            generation.put("seed", r.seed().intValue());
        }
        if (r.responseFormat() != null) {
            switch (r.responseFormat()) {
                case ResponseFormat.Text t -> { }
                case ResponseFormat.JsonObject o -> generation.put("responseMimeType", "application/json");
                case ResponseFormat.JsonSchema s -> {
                    generation.put("responseMimeType", "application/json");
                    if (s.schema() != null) {
                        generation.set("responseSchema",
                                GeminiSchema.convert(s.schema(), "response_format.json_schema.schema", model));
                    }
                }
            }
        }
        if (r.reasoningEffort() != null) {
            generation.set("thinkingConfig", thinking(r.reasoningEffort(), model));
        }
        if (!generation.isEmpty()) {
            root.set("generationConfig", generation);
        }
        return Buffer.buffer(write(root));
    }

    /**
     * OpenAI's reasoning_effort to Gemini's thinking config. Gemini 2.x takes a token budget
     * (the same steps Google's own OpenAI-compatible endpoint uses); Gemini 3 takes a level.
     */
    static ObjectNode thinking(String effort, String model) {
        ObjectNode config = MAPPER.createObjectNode();
        boolean levels = model.startsWith("gemini-3");
        switch (effort) {
            case "none" -> {
                if (levels) {
                    throw unsupported("'reasoning_effort: none' (Gemini 3 models always think)", model, "reasoning_effort");
                }
                config.put("thinkingBudget", 0);
                return config;
            }
            case "minimal", "low" -> {
                if (levels) {
                    config.put("thinkingLevel", "low");
                } else {
                    config.put("thinkingBudget", effort.equals("minimal") ? 512 : 1024);
                }
            }
            case "medium", "high" -> {
                if (levels) {
                    config.put("thinkingLevel", "high");
                } else {
                    config.put("thinkingBudget", effort.equals("medium") ? 8192 : 24576);
                }
            }
            default -> throw GatewayException.invalid("'reasoning_effort' must be one of 'none', 'minimal', 'low', 'medium' "
                    + "or 'high', got '" + effort + "'.", "reasoning_effort");
        }
        config.put("includeThoughts", true);
        return config;
    }

    /** Top-level fields of the caller's format that the canonical model does not name. */
    private static void extras(ChatRequest r, ObjectNode generation) {
        String model = r.model();
        for (Map.Entry<String, JsonNode> e : r.extra().entrySet()) {
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (v == null || v.isNull() || IGNORED_EXTRA.contains(key)) {
                continue;
            }
            switch (key) {
                case "n" -> {
                    if (v.asInt(1) != 1) {
                        throw unsupported("'n' > 1 (several choices per request)", model, "n");
                    }
                }
                case "presence_penalty" -> generation.put("presencePenalty", v.asDouble());
                case "frequency_penalty" -> generation.put("frequencyPenalty", v.asDouble());
                case "logprobs" -> {
                    if (v.asBoolean(false)) {
                        throw unsupported("'logprobs'", model, "logprobs");
                    }
                }
                case "top_logprobs" -> throw unsupported("'top_logprobs'", model, "top_logprobs");
                case "logit_bias" -> {
                    if (!v.isEmpty()) {
                        throw unsupported("'logit_bias'", model, "logit_bias");
                    }
                }
                case "service_tier" -> {
                    if (!v.asText().equals("auto") && !v.asText().equals("default")) {
                        throw unsupported("'service_tier: " + v.asText() + "'", model, "service_tier");
                    }
                }
                default -> throw unsupported("the '" + key + "' parameter", model, key);
            }
        }
    }

    private static void contentParts(List<ContentPart> content, ArrayNode parts, String model, String path, boolean assistant) {
        for (int i = 0; i < content.size(); i++) {
            ContentPart p = content.get(i);
            String where = path + ".content[" + i + "]";
            switch (p) {
                case ContentPart.Text t -> {
                    if (!t.text().isEmpty()) {
                        parts.addObject().put("text", t.text());
                    }
                }
                case ContentPart.Image img -> inline(parts, dataUrl(img.url(), model, where + ".image_url.url"), where);
                // Gemini does not need earlier thoughts back; signatures it needs travel on function calls.
                case ContentPart.Reasoning reasoning -> { }
                case ContentPart.Other o -> other(o, parts, model, where, assistant);
            }
        }
    }

    private static void other(ContentPart.Other o, ArrayNode parts, String model, String where, boolean assistant) {
        switch (o.type()) {
            case "input_audio" -> {
                JsonNode audio = o.raw().path("input_audio");
                String format = audio.path("format").asText("");
                String data = audio.path("data").asText(null);
                if (data == null || format.isEmpty()) {
                    throw GatewayException.invalid("'" + where + ".input_audio' needs 'data' and 'format'.", where + ".input_audio");
                }
                ObjectNode inline = parts.addObject().putObject("inlineData");
                inline.put("mimeType", "audio/" + format);
                inline.put("data", data);
            }
            case "file" -> {
                String data = o.raw().path("file").path("file_data").asText(null);
                if (data == null) {
                    throw unsupported("a 'file' part without 'file_data' (uploaded file ids)", model, where + ".file");
                }
                inline(parts, dataUrl(data, model, where + ".file.file_data"), where);
            }
            case "refusal" -> {
                if (assistant) {
                    parts.addObject().put("text", o.raw().path("refusal").asText(""));
                }
            }
            default -> throw unsupported("'" + o.type() + "' content parts", model, where);
        }
    }

    /** A data URL split into MIME type and base64 data. */
    record DataUrl(String mimeType, String base64) {}

    static DataUrl dataUrl(String url, String model, String where) {
        if (url.startsWith("http://") || url.startsWith("https://")) {
            // GeminiProvider.prepare fetches these before encoding; reaching here means it did not run.
            throw unsupported("image URLs that were not fetched before sending (internal: prepare() skipped)", model, where);
        }
        if (!url.startsWith("data:")) {
            throw GatewayException.invalid("'" + where + "' must be an http(s) URL or a data: URL.", where);
        }
        int comma = url.indexOf(',');
        String meta = comma < 0 ? "" : url.substring(5, comma);
        if (comma < 0 || !meta.endsWith(";base64")) {
            throw GatewayException.invalid("'" + where + "' must be a base64 data URL (data:<type>;base64,<data>).", where);
        }
        String mime = meta.substring(0, meta.length() - ";base64".length());
        return new DataUrl(mime.isEmpty() ? "application/octet-stream" : mime, url.substring(comma + 1));
    }

    private static void inline(ArrayNode parts, DataUrl data, String where) {
        ObjectNode inline = parts.addObject().putObject("inlineData");
        inline.put("mimeType", data.mimeType());
        inline.put("data", data.base64());
    }

    /** Gemini's functionResponse.response must be an object: a JSON object result is sent as is, anything else as {"output": ...}. */
    private static ObjectNode toolResult(Message m, String model, String path) {
        StringBuilder text = new StringBuilder();
        for (ContentPart p : m.content()) {
            if (p instanceof ContentPart.Text t) {
                text.append(t.text());
            } else {
                throw unsupported("non-text tool results", model, path + ".content");
            }
        }
        String s = text.toString();
        String trimmed = s.strip();
        if (trimmed.startsWith("{")) {
            try {
                JsonNode parsed = MAPPER.readTree(trimmed);
                if (parsed != null && parsed.isObject()) {
                    return (ObjectNode) parsed;
                }
            } catch (JsonProcessingException notJson) {
                // plain text that happens to start with a brace
            }
        }
        ObjectNode wrapped = MAPPER.createObjectNode();
        wrapped.put("output", s);
        return wrapped;
    }

    private static JsonNode argumentsObject(String arguments, String path) {
        if (arguments == null || arguments.isBlank()) {
            return MAPPER.createObjectNode();
        }
        try {
            JsonNode args = MAPPER.readTree(arguments);
            if (args != null && args.isObject()) {
                return args;
            }
        } catch (JsonProcessingException e) {
            // fall through
        }
        throw GatewayException.invalid("'" + path + ".tool_calls[].function.arguments' must be a JSON object to be sent to "
                + "Gemini, got: " + Excerpt.truncate(arguments), path + ".tool_calls");
    }

    private static boolean hasProperties(JsonNode schema) {
        // Gemini rejects an OBJECT schema without properties; a function without arguments simply has none.
        return !(schema.path("type").asText("object").equals("object") && schema.path("properties").isEmpty()
                && !schema.has("$ref") && !schema.has("anyOf"));
    }

    static Buffer encodeEmbeddings(EmbeddingRequest r) {
        String model = r.model().startsWith("models/") ? r.model() : "models/" + r.model();
        for (Map.Entry<String, JsonNode> e : r.extra().entrySet()) {
            if (e.getValue() != null && !e.getValue().isNull()) {
                throw unsupported("the '" + e.getKey() + "' embeddings parameter", r.model(), e.getKey());
            }
        }
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode requests = root.putArray("requests");
        for (String input : r.inputs()) {
            ObjectNode req = requests.addObject();
            req.put("model", model);
            req.putObject("content").putArray("parts").addObject().put("text", input);
            if (r.dimensions() != null) {
                req.put("outputDimensionality", r.dimensions());
            }
        }
        return Buffer.buffer(write(root));
    }
}
