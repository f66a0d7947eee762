package dev.gatehouse.dialect.gemini;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.canonical.ResponseFormat;
import dev.gatehouse.canonical.Role;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.ToolChoice;
import dev.gatehouse.canonical.ToolDefinition;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Excerpt;
import dev.gatehouse.provider.RetryAfter;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.WireCodec;
import dev.gatehouse.provider.WireFormat;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Google's Gemini API ({@code generateContent}, {@code streamGenerateContent?alt=sse},
 * {@code batchEmbedContents}) to and from the canonical model. See docs/providers/gemini.md for the
 * translation table; everything Gemini cannot express is refused with a 400 naming the feature
 * and the model, never dropped.
 *
 * <p>Tool call ids: Gemini usually returns function calls without ids and matches results by
 * function name. We synthesize {@code call_<tag>_<n>} ids, unique per answer, and on the way back
 * recover the name of each result from the assistant turn that made the call. When Gemini
 * attaches a {@code thoughtSignature} to a function call (Gemini 2.5/3 thinking models, which
 * reject a later turn that lacks it), the signature rides inside the id ({@code ..._ts_<base64url>})
 * so it comes back with the conversation without any state in the gateway.
 */
public final class GeminiWireCodec implements WireCodec {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String SIGNATURE_MARK = "_ts_";
    /** OpenAI fields that change nothing about the answer: OpenAI-side storage and dashboard tags. */
    private static final Set<String> IGNORED_EXTRA = Set.of("store", "metadata");

    @Override
    public WireFormat format() {
        return WireFormat.GEMINI;
    }

    // ================================================================ chat request

    @Override
    public Buffer encodeChat(ChatRequest r) {
        String model = r.model();
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode generation = MAPPER.createObjectNode();
        extras(r, generation);
        if (Boolean.FALSE.equals(r.parallelToolCalls())) {
            throw unsupported("'parallel_tool_calls: false' (Gemini may always return several calls at once)", model,
                    "parallel_tool_calls");
        }

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

    // ================================================================ tool call ids

    /** A new per-answer tag for synthesized tool call ids, from the response id when there is one. */
    static String idTag(String responseId) {
        String source = responseId == null ? UUID.randomUUID().toString() : responseId;
        StringBuilder tag = new StringBuilder(8);
        for (int i = 0; i < source.length() && tag.length() < 8; i++) {
            char c = source.charAt(i);
            if (Character.isLetterOrDigit(c) && c < 128) {
                tag.append(c);
            }
        }
        return tag.isEmpty() ? "g" : tag.toString();
    }

    static String toolCallId(JsonNode functionCall, String tag, int n, String signature) {
        String given = functionCall.path("id").asText("");
        String id = given.isEmpty() ? "call_" + tag + "_" + n : given;
        if (signature == null || signature.isEmpty()) {
            return id;
        }
        String urlSafe = signature.replace('+', '-').replace('/', '_').replace("=", "");
        return id + SIGNATURE_MARK + urlSafe;
    }

    /** The thought signature carried in a tool call id, in Gemini's standard base64, or null. */
    static String signatureOf(String id) {
        int at = id == null ? -1 : id.indexOf(SIGNATURE_MARK);
        if (at < 0) {
            return null;
        }
        String s = id.substring(at + SIGNATURE_MARK.length()).replace('-', '+').replace('_', '/');
        return s + "=".repeat((4 - s.length() % 4) % 4);
    }

    // ================================================================ chat response

    @Override
    public ChatResponse decodeChat(Buffer body) {
        JsonNode root = read(body);
        JsonNode candidate = firstCandidate(root);
        String tag = idTag(root.path("responseId").asText(null));
        List<ContentPart> content = new ArrayList<>();
        List<ToolCall> calls = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (part.has("functionCall")) {
                JsonNode fc = part.get("functionCall");
                calls.add(new ToolCall(toolCallId(fc, tag, calls.size(), part.path("thoughtSignature").asText(null)),
                        fc.path("name").asText(), write(fc.has("args") ? fc.get("args") : MAPPER.createObjectNode())));
            } else if (part.path("thought").asBoolean(false)) {
                content.add(new ContentPart.Reasoning(part.path("text").asText(""), part.path("thoughtSignature").asText(null), false));
            } else if (part.has("text")) {
                text.append(part.get("text").asText());
            }
        }
        if (!text.isEmpty()) {
            content.add(new ContentPart.Text(text.toString()));
        }
        FinishReason finish = finishReason(candidate.path("finishReason").asText(null), !calls.isEmpty());
        JsonNode usage = root.get("usageMetadata");
        return new ChatResponse(root.path("responseId").asText("gen-" + tag), root.path("modelVersion").asText(null),
                System.currentTimeMillis() / 1000, content, calls, finish, usage == null ? null : usage(usage), Map.of());
    }

    /** candidates[0], or the in-band reason there is none (a blocked prompt). */
    static JsonNode firstCandidate(JsonNode root) {
        JsonNode candidate = root.path("candidates").path(0);
        if (candidate.isMissingNode()) {
            JsonNode feedback = root.path("promptFeedback");
            String reason = feedback.path("blockReason").asText(null);
            if (reason != null) {
                String detail = feedback.path("blockReasonMessage").asText("");
                throw new UpstreamException(new UpstreamError(ErrorClass.CONTENT_POLICY, 400,
                        "Gemini blocked the prompt (blockReason " + reason + ")" + (detail.isEmpty() ? "" : ": " + detail),
                        "content_policy_violation", "messages", null));
            }
        }
        String reason = candidate.path("finishReason").asText("");
        if (reason.equals("MALFORMED_FUNCTION_CALL") || reason.equals("UNEXPECTED_TOOL_CALL")) {
            throw new UpstreamException(new UpstreamError(ErrorClass.UPSTREAM_ERROR, 200,
                    "Gemini ended the answer with finishReason " + reason
                            + candidate.path("finishMessage").asText("").transform(m -> m.isEmpty() ? "" : ": " + m),
                    null, null, null));
        }
        return candidate;
    }

    static FinishReason finishReason(String reason, boolean toolCalls) {
        if (reason == null) {
            return toolCalls ? FinishReason.TOOL_CALLS : null;
        }
        return switch (reason) {
            case "MAX_TOKENS" -> FinishReason.LENGTH;
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
                 "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION" -> FinishReason.CONTENT_FILTER;
            default -> toolCalls ? FinishReason.TOOL_CALLS : FinishReason.STOP; // STOP, OTHER, LANGUAGE, ...
        };
    }

    /**
     * Gemini counts thinking apart from the answer; OpenAI's completion tokens include reasoning,
     * so output = candidates + thoughts and reasoning = thoughts. Tool-use prompt tokens are input.
     */
    static Usage usage(JsonNode u) {
        long thoughts = u.path("thoughtsTokenCount").asLong(0);
        return new Usage(u.path("promptTokenCount").asLong(0) + u.path("toolUsePromptTokenCount").asLong(0),
                u.path("candidatesTokenCount").asLong(0) + thoughts,
                u.path("cachedContentTokenCount").asLong(0), 0, thoughts);
    }

    @Override
    public StreamDecoder streamDecoder() {
        return new GeminiStreamDecoder();
    }

    // ================================================================ embeddings

    @Override
    public Buffer encodeEmbeddings(EmbeddingRequest r) {
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

    /** Gemini reports no token counts for embeddings; usage is zero (see docs/providers/gemini.md). */
    @Override
    public EmbeddingResponse decodeEmbeddings(Buffer body) {
        JsonNode root = read(body);
        List<float[]> vectors = new ArrayList<>();
        for (JsonNode e : root.path("embeddings")) {
            JsonNode values = e.path("values");
            float[] v = new float[values.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = values.get(i).floatValue();
            }
            vectors.add(v);
        }
        return new EmbeddingResponse(null, vectors, Usage.ZERO);
    }

    // ================================================================ errors

    @Override
    public UpstreamError classify(int status, MultiMap headers, Buffer body) {
        String text = body == null ? "" : body.toString(StandardCharsets.UTF_8);
        JsonNode error = null;
        try {
            JsonNode root = text.isBlank() ? null : MAPPER.readTree(text);
            // Google answers {"error":{...}}; streamed errors sometimes arrive as [{"error":{...}}].
            if (root != null && root.isArray()) {
                root = root.path(0);
            }
            error = root == null ? null : root.get("error");
        } catch (IOException notJson) {
            // an HTML page from a proxy: keep a readable piece of it
        }
        if (error == null || !error.isObject()) {
            String snippet = Excerpt.truncate(text.replaceAll("\\s+", " ").strip());
            return new UpstreamError(classOf(status, null, ""), status,
                    "Upstream returned HTTP " + status + (snippet.isEmpty() ? "" : ": " + snippet), null, null, retryAfter(headers, null));
        }
        return classifyError(status, error, headers);
    }

    static UpstreamError classifyError(int status, JsonNode error, MultiMap headers) {
        String message = error.path("message").asText("Gemini returned HTTP " + status);
        String grpc = error.path("status").asText(null);
        int code = status > 0 ? status : error.path("code").asInt(0);
        ErrorClass cls = classOf(code, grpc, message);
        for (JsonNode d : error.path("details")) {
            if ("API_KEY_INVALID".equals(d.path("reason").asText())) {
                cls = ErrorClass.AUTHENTICATION;
            }
        }
        String callerCode = cls == ErrorClass.RATE_LIMIT || cls == ErrorClass.CONTEXT_LENGTH ? null
                : grpc == null ? null : grpc.toLowerCase(Locale.ROOT);
        return new UpstreamError(cls, code, message, callerCode, null, retryAfter(headers, error));
    }

    static ErrorClass classOf(int status, String grpc, String message) {
        String lower = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (lower.contains("input token count") || lower.contains("exceeds the maximum number of tokens")
                || lower.contains("context window")) {
            return ErrorClass.CONTEXT_LENGTH;
        }
        if (lower.contains("api key not valid") || lower.contains("api_key_invalid")) {
            return ErrorClass.AUTHENTICATION;
        }
        if (grpc != null) {
            switch (grpc) {
                case "RESOURCE_EXHAUSTED": return ErrorClass.RATE_LIMIT;
                case "UNAVAILABLE": return ErrorClass.OVERLOADED;
                case "DEADLINE_EXCEEDED": return ErrorClass.TIMEOUT;
                case "INTERNAL", "UNKNOWN": return ErrorClass.UPSTREAM_ERROR;
                case "UNAUTHENTICATED": return ErrorClass.AUTHENTICATION;
                case "PERMISSION_DENIED": return ErrorClass.PERMISSION;
                case "NOT_FOUND": return ErrorClass.NOT_FOUND;
                case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE": return ErrorClass.BAD_REQUEST;
                default: break;
            }
        }
        return switch (status) {
            case 429 -> ErrorClass.RATE_LIMIT;
            case 503 -> ErrorClass.OVERLOADED;
            case 408, 504 -> ErrorClass.TIMEOUT;
            case 401 -> ErrorClass.AUTHENTICATION;
            case 403 -> ErrorClass.PERMISSION;
            case 404 -> ErrorClass.NOT_FOUND;
            default -> status >= 400 && status < 500 ? ErrorClass.BAD_REQUEST : ErrorClass.UPSTREAM_ERROR;
        };
    }

    /** Retry-After (seconds or an HTTP date) if sent, else google.rpc.RetryInfo's retryDelay ("37s", "0.5s"). */
    static Duration retryAfter(MultiMap headers, JsonNode error) {
        Duration header = RetryAfter.of(headers);
        if (header != null) {
            return header;
        }
        if (error != null) {
            for (JsonNode d : error.path("details")) {
                String delay = d.path("retryDelay").asText("");
                if (d.path("@type").asText("").endsWith("google.rpc.RetryInfo") && delay.endsWith("s")) {
                    return RetryAfter.seconds(delay.substring(0, delay.length() - 1));
                }
            }
        }
        return null;
    }

    // ================================================================ helpers

    /** A 400 for a feature Gemini cannot do faithfully, naming the feature and the model. */
    static GatewayException unsupported(String feature, String model, String param) {
        return new GatewayException(ErrorType.INVALID_REQUEST,
                "Gemini model '" + model + "' does not support " + feature + "; remove it or use another model.",
                param, "unsupported_parameter");
    }

    static JsonNode read(Buffer body) {
        try {
            JsonNode root = MAPPER.readTree(body.getBytes());
            if (root != null && root.isObject()) {
                return root;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new UpstreamException(new UpstreamError(ErrorClass.UPSTREAM_ERROR, 200,
                "Gemini sent a response that is not a JSON object: " + Excerpt.truncate(body.toString(StandardCharsets.UTF_8)),
                null, null, null));
    }

    static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
