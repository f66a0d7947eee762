package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Request validation as strict as the real OpenAI API, with the same messages, {@code param} and
 * {@code code} values where they are known. The first problem found wins, as in the real API.
 * Unknown top-level fields are deliberately <em>not</em> rejected (the gateway must forward new
 * parameters); {@link #unknownFields} reports them instead.
 */
final class OpenAiValidator {

    /** An OpenAI-shaped error answer. */
    record ApiError(int status, String message, String type, String param, String code) {
        static ApiError invalid(String message, String param, String code) {
            return new ApiError(400, message, "invalid_request_error", param, code);
        }

        String body() {
            return FakeOpenAi.errorBody(message, type, param, code);
        }
    }

    static final Set<String> CHAT_FIELDS = Set.of("model", "messages", "audio", "frequency_penalty",
            "function_call", "functions", "logit_bias", "logprobs", "max_completion_tokens", "max_tokens",
            "metadata", "modalities", "n", "parallel_tool_calls", "prediction", "presence_penalty",
            "prompt_cache_key", "prompt_cache_retention", "reasoning_effort", "response_format",
            "safety_identifier", "seed", "service_tier", "stop", "store", "stream", "stream_options",
            "temperature", "tool_choice", "tools", "top_logprobs", "top_p", "user", "verbosity",
            "web_search_options");
    static final Set<String> EMBEDDING_FIELDS = Set.of("input", "model", "dimensions", "encoding_format", "user");

    private static final List<String> ROLES = List.of("system", "developer", "user", "assistant", "tool", "function");
    private static final Pattern FUNCTION_NAME = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");

    private OpenAiValidator() {
    }

    static List<String> unknownFields(JsonNode body, Set<String> known) {
        List<String> unknown = new ArrayList<>();
        if (body != null && body.isObject()) {
            body.fieldNames().forEachRemaining(f -> {
                if (!known.contains(f)) unknown.add(f);
            });
        }
        return List.copyOf(unknown);
    }

    static ApiError unparseableBody() {
        return ApiError.invalid("We could not parse the JSON body of your request. (HINT: This likely means you "
                + "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
                + "sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us "
                + "through our help center at help.openai.com.)", null, null);
    }

    // ---- chat completions ----------------------------------------------------------------------

    static ApiError validateChat(JsonNode body, boolean azure) {
        JsonNode model = body.get("model");
        if (!azure && (model == null || model.isNull())) {
            return ApiError.invalid("you must provide a model parameter", null, null);
        }
        if (model != null && !model.isNull() && !model.isTextual()) return wrongType("model", "a string", model);

        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) return missing("messages");
        if (!messages.isArray()) return wrongType("messages", "an array", messages);
        if (messages.isEmpty()) {
            return ApiError.invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, "
                    + "but got an empty array instead.", "messages", "empty_array");
        }
        for (int i = 0; i < messages.size(); i++) {
            ApiError e = validateMessage(messages.get(i), "messages[" + i + "]");
            if (e != null) return e;
        }
        ApiError seq = validateToolSequence(messages);
        if (seq != null) return seq;

        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) return wrongType("stream", "a boolean", stream);
        JsonNode streamOptions = body.get("stream_options");
        if (streamOptions != null && !streamOptions.isNull()) {
            if (stream == null || !stream.asBoolean(false)) {
                return ApiError.invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                        "stream_options", null);
            }
            if (!streamOptions.isObject()) return wrongType("stream_options", "an object", streamOptions);
            JsonNode includeUsage = streamOptions.get("include_usage");
            if (includeUsage != null && !includeUsage.isNull() && !includeUsage.isBoolean()) {
                return wrongType("stream_options.include_usage", "a boolean", includeUsage);
            }
        }
        ApiError e;
        if ((e = decimalRange(body, "temperature", 0, 2)) != null) return e;
        if ((e = decimalRange(body, "top_p", 0, 1)) != null) return e;
        if ((e = decimalRange(body, "frequency_penalty", -2, 2)) != null) return e;
        if ((e = decimalRange(body, "presence_penalty", -2, 2)) != null) return e;
        if ((e = integerRange(body, "n", 1, 128)) != null) return e;
        if ((e = integerRange(body, "max_tokens", 1, Long.MAX_VALUE)) != null) return e;
        if ((e = integerRange(body, "max_completion_tokens", 1, Long.MAX_VALUE)) != null) return e;
        return validateTools(body.get("tools"));
    }

    private static ApiError validateMessage(JsonNode m, String at) {
        if (!m.isObject()) return wrongType(at, "an object", m);
        JsonNode role = m.get("role");
        if (role == null || role.isNull()) return missing(at + ".role");
        if (!role.isTextual()) return wrongType(at + ".role", "a string", role);
        if (!ROLES.contains(role.asText())) {
            return ApiError.invalid("Invalid value: '" + role.asText() + "'. Supported values are: 'system', "
                    + "'assistant', 'user', 'function', 'tool', and 'developer'.", at + ".role", "invalid_value");
        }
        JsonNode content = m.get("content");
        boolean noContent = content == null || content.isNull();
        switch (role.asText()) {
            case "system", "developer" -> {
                if (noContent) return missing(at + ".content");
                return validateContent(content, at + ".content", Set.of("text"));
            }
            case "user" -> {
                if (noContent) return missing(at + ".content");
                return validateContent(content, at + ".content", Set.of("text", "image_url", "input_audio", "file"));
            }
            case "assistant" -> {
                JsonNode toolCalls = m.get("tool_calls");
                boolean hasCalls = toolCalls != null && !toolCalls.isNull();
                boolean hasFunctionCall = m.hasNonNull("function_call");
                if (noContent && !hasCalls && !hasFunctionCall) {
                    return ApiError.invalid("Invalid value for 'content': expected a string, got null.",
                            at + ".content", null);
                }
                if (!noContent) {
                    ApiError e = validateContent(content, at + ".content", Set.of("text", "refusal"));
                    if (e != null) return e;
                }
                return hasCalls ? validateToolCalls(toolCalls, at + ".tool_calls") : null;
            }
            case "tool" -> {
                JsonNode id = m.get("tool_call_id");
                if (id == null || id.isNull()) {
                    return ApiError.invalid("Missing parameter 'tool_call_id': messages with role 'tool' must "
                            + "have a 'tool_call_id'.", at + ".tool_call_id", null);
                }
                if (!id.isTextual()) return wrongType(at + ".tool_call_id", "a string", id);
                if (noContent) return missing(at + ".content");
                return validateContent(content, at + ".content", Set.of("text"));
            }
            default -> { // function (deprecated)
                if (!m.hasNonNull("name")) return missing(at + ".name");
                return noContent || content.isTextual() ? null : wrongType(at + ".content", "a string", content);
            }
        }
    }

    private static ApiError validateContent(JsonNode content, String at, Set<String> allowedParts) {
        if (content.isTextual()) return null;
        if (!content.isArray()) return wrongType(at, "one of a string or array of objects", content);
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String pat = at + "[" + i + "]";
            if (!part.isObject()) return wrongType(pat, "an object", part);
            JsonNode type = part.get("type");
            if (type == null || type.isNull()) return missing(pat + ".type");
            if (!type.isTextual() || !allowedParts.contains(type.asText())) {
                return ApiError.invalid("Invalid value: '" + type.asText() + "'. Supported values are: "
                        + quotedList(allowedParts) + ".", pat + ".type", "invalid_value");
            }
            ApiError e = switch (type.asText()) {
                case "text" -> requireString(part, "text", pat);
                case "refusal" -> requireString(part, "refusal", pat);
                case "image_url" -> part.path("image_url").isObject()
                        ? requireString(part.get("image_url"), "url", pat + ".image_url")
                        : missing(pat + ".image_url");
                case "input_audio" -> {
                    JsonNode audio = part.get("input_audio");
                    if (audio == null || !audio.isObject()) yield missing(pat + ".input_audio");
                    ApiError d = requireString(audio, "data", pat + ".input_audio");
                    if (d != null) yield d;
                    ApiError f = requireString(audio, "format", pat + ".input_audio");
                    if (f != null) yield f;
                    String fmt = audio.get("format").asText();
                    yield fmt.equals("wav") || fmt.equals("mp3") ? null
                            : ApiError.invalid("Invalid value: '" + fmt + "'. Supported values are: 'wav' and 'mp3'.",
                            pat + ".input_audio.format", "invalid_value");
                }
                case "file" -> part.path("file").isObject() ? null : missing(pat + ".file");
                default -> null;
            };
            if (e != null) return e;
        }
        return null;
    }

    private static ApiError validateToolCalls(JsonNode calls, String at) {
        if (!calls.isArray()) return wrongType(at, "an array", calls);
        for (int i = 0; i < calls.size(); i++) {
            JsonNode c = calls.get(i);
            String cat = at + "[" + i + "]";
            if (!c.isObject()) return wrongType(cat, "an object", c);
            ApiError e = requireString(c, "id", cat);
            if (e != null) return e;
            if (!"function".equals(c.path("type").asText(null))) {
                return c.hasNonNull("type")
                        ? ApiError.invalid("Invalid value: '" + c.get("type").asText() + "'. Supported values are: "
                        + "'function'.", cat + ".type", "invalid_value")
                        : missing(cat + ".type");
            }
            JsonNode fn = c.get("function");
            if (fn == null || !fn.isObject()) return missing(cat + ".function");
            if ((e = requireString(fn, "name", cat + ".function")) != null) return e;
            if ((e = requireString(fn, "arguments", cat + ".function")) != null) return e;
        }
        return null;
    }

    /**
     * The real API rejects histories where an assistant's tool calls are not all answered by the
     * immediately following tool messages, and tool messages that answer nothing.
     */
    private static ApiError validateToolSequence(JsonNode messages) {
        Set<String> pending = new LinkedHashSet<>();
        int pendingFrom = -1;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.path("role").asText();
            if (role.equals("tool")) {
                if (pendingFrom < 0) {
                    return ApiError.invalid("Invalid parameter: messages with role 'tool' must be a response to a "
                            + "preceeding message with 'tool_calls'.", "messages.[" + i + "].role", null);
                }
                pending.remove(m.path("tool_call_id").asText());
                continue;
            }
            if (!pending.isEmpty()) return unansweredCalls(pendingFrom, pending);
            pending.clear();
            pendingFrom = -1;
            if (role.equals("assistant") && m.path("tool_calls").isArray() && !m.get("tool_calls").isEmpty()) {
                pendingFrom = i;
                m.get("tool_calls").forEach(c -> pending.add(c.path("id").asText()));
            }
        }
        return pending.isEmpty() ? null : unansweredCalls(pendingFrom, pending);
    }

    private static ApiError unansweredCalls(int at, Set<String> ids) {
        return ApiError.invalid("An assistant message with 'tool_calls' must be followed by tool messages "
                + "responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
                + String.join(", ", ids), "messages.[" + at + "].role", null);
    }

    private static ApiError validateTools(JsonNode tools) {
        if (tools == null || tools.isNull()) return null;
        if (!tools.isArray()) return wrongType("tools", "an array", tools);
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            String at = "tools[" + i + "]";
            if (!t.isObject()) return wrongType(at, "an object", t);
            if (!t.hasNonNull("type")) return missing(at + ".type");
            if (!"function".equals(t.get("type").asText()) && !"custom".equals(t.get("type").asText())) {
                return ApiError.invalid("Invalid value: '" + t.get("type").asText() + "'. Supported values are: "
                        + "'function' and 'custom'.", at + ".type", "invalid_value");
            }
            String kind = t.get("type").asText();
            JsonNode def = t.get(kind);
            if (def == null || !def.isObject()) return missing(at + "." + kind);
            ApiError e = requireString(def, "name", at + "." + kind);
            if (e != null) return e;
            if (!FUNCTION_NAME.matcher(def.get("name").asText()).matches()) {
                return ApiError.invalid("Invalid '" + at + "." + kind + ".name': string does not match pattern. "
                        + "Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
                        at + "." + kind + ".name", "invalid_value");
            }
        }
        return null;
    }

    // ---- embeddings ----------------------------------------------------------------------------

    static ApiError validateEmbeddings(JsonNode body, boolean azure) {
        JsonNode model = body.get("model");
        if (!azure && (model == null || model.isNull())) {
            return ApiError.invalid("you must provide a model parameter", null, null);
        }
        if (model != null && !model.isNull() && !model.isTextual()) return wrongType("model", "a string", model);
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) return missing("input");
        if (!validEmbeddingInput(input)) {
            return ApiError.invalid("'$.input' is invalid. Please check the API reference: "
                    + "https://platform.openai.com/docs/api-reference.", null, null);
        }
        JsonNode format = body.get("encoding_format");
        if (format != null && !format.isNull()
                && !(format.isTextual() && (format.asText().equals("float") || format.asText().equals("base64")))) {
            return ApiError.invalid("Invalid value: '" + format.asText() + "'. Supported values are: 'float' and "
                    + "'base64'.", "encoding_format", "invalid_value");
        }
        JsonNode dims = body.get("dimensions");
        if (dims != null && !dims.isNull()) {
            ApiError e = integerRange(body, "dimensions", 1, 3072);
            if (e != null) return e;
            if (model != null && model.asText("").contains("ada-002")) {
                return ApiError.invalid("This model does not support specifying dimensions.", null, null);
            }
        }
        return null;
    }

    /** string | non-empty string[] | non-empty int[] | non-empty int[][] (each non-empty). */
    private static boolean validEmbeddingInput(JsonNode input) {
        if (input.isTextual()) return !input.asText().isEmpty();
        if (!input.isArray() || input.isEmpty() || input.size() > 2048) return false;
        JsonNode first = input.get(0);
        for (JsonNode item : input) {
            if (first.isTextual()) {
                if (!item.isTextual() || item.asText().isEmpty()) return false;
            } else if (first.isIntegralNumber()) {
                if (!item.isIntegralNumber() || item.asLong() < 0) return false;
            } else if (first.isArray()) {
                if (!item.isArray() || item.isEmpty()) return false;
                for (JsonNode t : item) if (!t.isIntegralNumber() || t.asLong() < 0) return false;
            } else {
                return false;
            }
        }
        return true;
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static ApiError missing(String param) {
        return ApiError.invalid("Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
    }

    private static ApiError requireString(JsonNode obj, String field, String at) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) return missing(at + "." + field);
        return v.isTextual() ? null : wrongType(at + "." + field, "a string", v);
    }

    private static ApiError wrongType(String param, String expected, JsonNode got) {
        return ApiError.invalid("Invalid type for '" + param + "': expected " + expected + ", but got "
                + typeName(got) + " instead.", param, "invalid_type");
    }

    private static ApiError decimalRange(JsonNode body, String field, double min, double max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) return wrongType(field, "a decimal", v);
        if (v.asDouble() < min) {
            return ApiError.invalid("Invalid '" + field + "': decimal below minimum value. Expected a value >= "
                    + fmt(min) + ", but got " + v + " instead.", field, "decimal_below_min_value");
        }
        if (v.asDouble() > max) {
            return ApiError.invalid("Invalid '" + field + "': decimal above maximum value. Expected a value <= "
                    + fmt(max) + ", but got " + v + " instead.", field, "decimal_above_max_value");
        }
        return null;
    }

    private static ApiError integerRange(JsonNode body, String field, long min, long max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber()) return wrongType(field, "an integer", v);
        if (v.asLong() < min) {
            return ApiError.invalid("Invalid '" + field + "': integer below minimum value. Expected a value >= "
                    + min + ", but got " + v + " instead.", field, "integer_below_min_value");
        }
        if (v.asLong() > max) {
            return ApiError.invalid("Invalid '" + field + "': integer above maximum value. Expected a value <= "
                    + max + ", but got " + v + " instead.", field, "integer_above_max_value");
        }
        return null;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static String typeName(JsonNode n) {
        if (n.isTextual()) return "a string";
        if (n.isIntegralNumber()) return "an integer";
        if (n.isNumber()) return "a decimal";
        if (n.isBoolean()) return "a boolean";
        if (n.isArray()) return "an array";
        if (n.isObject()) return "an object";
        return "null";
    }

    private static String quotedList(Set<String> values) {
        List<String> q = values.stream().sorted().map(v -> "'" + v + "'").toList();
        if (q.size() == 1) return q.getFirst();
        if (q.size() == 2) return q.getFirst() + " and " + q.getLast();
        return String.join(", ", q.subList(0, q.size() - 1)) + ", and " + q.getLast();
    }
}
