package dev.gatehouse.api.rag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.rag.Chunker;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** The knowledge-base request fields, checked as OpenAI documents them; each mistake a 400 naming its field. */
final class RagParams {
    static final int MAX_KEYS = 16;
    static final int MAX_KEY = 64;
    static final int MAX_VALUE = 512;

    private RagParams() {}

    /** A chunking strategy: max tokens, overlap tokens, and the object as the API shows it. */
    record Chunking(int maxTokens, int overlapTokens) {
        String json() {
            ObjectNode o = OpenAiJson.MAPPER.createObjectNode().put("type", "static");
            o.putObject("static").put("max_chunk_size_tokens", maxTokens).put("chunk_overlap_tokens", overlapTokens);
            return o.toString();
        }
    }

    static Chunking chunking(JsonNode n, String param) {
        if (n == null || n.isNull()) {
            return new Chunking(Chunker.AUTO_MAX, Chunker.AUTO_OVERLAP);
        }
        if (!n.isObject()) {
            throw GatewayException.invalid("Invalid '" + param + "': expected an object with 'type' auto or static.", param);
        }
        String type = n.path("type").asText("");
        if (type.equals("auto")) {
            return new Chunking(Chunker.AUTO_MAX, Chunker.AUTO_OVERLAP);
        }
        if (!type.equals("static")) {
            throw GatewayException.invalid("Invalid '" + param + ".type': expected 'auto' or 'static', got '" + type + "'.",
                    param + ".type");
        }
        JsonNode s = n.path("static");
        JsonNode max = s.get("max_chunk_size_tokens");
        JsonNode overlap = s.get("chunk_overlap_tokens");
        if (max == null || !max.canConvertToInt() || !max.isIntegralNumber() || max.asInt() < 100 || max.asInt() > 4096) {
            throw GatewayException.invalid("Invalid '" + param + ".static.max_chunk_size_tokens': expected an integer between 100"
                    + " and 4096.", param + ".static.max_chunk_size_tokens");
        }
        if (overlap == null || !overlap.isIntegralNumber() || overlap.asInt() < 0 || overlap.asInt() > max.asInt() / 2) {
            throw GatewayException.invalid("Invalid '" + param + ".static.chunk_overlap_tokens': expected an integer between 0 and"
                    + " half of max_chunk_size_tokens (" + max.asInt() / 2 + ").", param + ".static.chunk_overlap_tokens");
        }
        return new Chunking(max.asInt(), overlap.asInt());
    }

    /** Attributes: at most 16 keys of at most 64 characters; strings (at most 512 characters), numbers or booleans. */
    static Map<String, Object> attributes(JsonNode n, String param) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isObject()) {
            throw GatewayException.invalid("Invalid '" + param + "': expected an object.", param);
        }
        if (n.size() > MAX_KEYS) {
            throw GatewayException.invalid("Invalid '" + param + "': at most " + MAX_KEYS + " keys.", param);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = param + "." + e.getKey();
            if (e.getKey().isEmpty() || e.getKey().length() > MAX_KEY) {
                throw GatewayException.invalid("Invalid '" + param + "': keys have 1 to " + MAX_KEY + " characters.", param);
            }
            JsonNode v = e.getValue();
            if (v.isTextual()) {
                if (v.asText().length() > MAX_VALUE) {
                    throw GatewayException.invalid("Invalid '" + at + "': strings have at most " + MAX_VALUE + " characters.", at);
                }
                out.put(e.getKey(), v.asText());
            } else if (v.isBoolean()) {
                out.put(e.getKey(), v.asBoolean());
            } else if (v.isNumber()) {
                out.put(e.getKey(), v.asDouble());
            } else {
                throw GatewayException.invalid("Invalid '" + at + "': expected a string, number or boolean.", at);
            }
        }
        return out;
    }

    /** Metadata: at most 16 keys of at most 64 characters, string values of at most 512. Returns it as JSON. */
    static String metadata(JsonNode n, String param) {
        if (n == null || n.isNull()) {
            return "{}";
        }
        if (!n.isObject() || n.size() > MAX_KEYS) {
            throw GatewayException.invalid("Invalid '" + param + "': expected an object of at most " + MAX_KEYS
                    + " string values.", param);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().isEmpty() || e.getKey().length() > MAX_KEY || !e.getValue().isTextual()
                    || e.getValue().asText().length() > MAX_VALUE) {
                throw GatewayException.invalid("Invalid '" + param + "." + e.getKey() + "': keys have at most " + MAX_KEY
                        + " characters and values are strings of at most " + MAX_VALUE + ".", param + "." + e.getKey());
            }
        }
        return n.toString();
    }

    /** {@code expires_after}: null when absent or null; else days (1–365) after last activity. */
    static Integer expiresDays(JsonNode n, String param) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject() || !"last_active_at".equals(n.path("anchor").asText(null))) {
            throw GatewayException.invalid("Invalid '" + param + ".anchor': expected 'last_active_at'.", param + ".anchor");
        }
        JsonNode days = n.get("days");
        if (days == null || !days.isIntegralNumber() || days.asInt() < 1 || days.asInt() > 365) {
            throw GatewayException.invalid("Invalid '" + param + ".days': expected an integer between 1 and 365.", param + ".days");
        }
        return days.asInt();
    }

    /** An optional string field. */
    static String string(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw GatewayException.invalid("Invalid '" + field + "': expected a string.", field);
        }
        return n.asText();
    }

    /** An optional integer field within bounds. */
    static int integer(JsonNode body, String field, int min, int max, int fallback) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isIntegralNumber() || n.asLong() < min || n.asLong() > max) {
            throw GatewayException.invalid("Invalid '" + field + "': expected an integer between " + min + " and " + max + ".", field);
        }
        return n.asInt();
    }
}
