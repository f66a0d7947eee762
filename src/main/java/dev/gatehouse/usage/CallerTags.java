package dev.gatehouse.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.call.GatewayException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parses the {@code x-gatehouse-metadata} header: a flat JSON object of caller tags, e.g.
 * {@code {"feature":"search","env":"prod"}}, stored with the request log and groupable in the
 * analytics API. Values may be strings, numbers or booleans (stored as text). Anything else is
 * a 400, so a typo does not silently lose the caller's attribution.
 */
public final class CallerTags {
    public static final String HEADER = "x-gatehouse-metadata";
    public static final int MAX_TAGS = 16;
    public static final int MAX_KEY = 128;
    public static final int MAX_VALUE = 512;
    private static final int MAX_HEADER = 8192;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CallerTags() {}

    /** @return the tags (empty when the header is absent or blank) @throws GatewayException 400 when invalid */
    public static Map<String, String> parse(String header) {
        if (header == null || header.isBlank()) {
            return Map.of();
        }
        if (header.length() > MAX_HEADER) {
            throw invalid("is longer than " + MAX_HEADER + " characters");
        }
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonProcessingException e) {
            throw invalid("is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw invalid("must be a JSON object of tags, e.g. {\"feature\":\"search\"}");
        }
        if (root.size() > MAX_TAGS) {
            throw invalid("has " + root.size() + " tags; at most " + MAX_TAGS + " are allowed");
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (key.isEmpty() || key.length() > MAX_KEY) {
                throw invalid("has a tag name that is empty or longer than " + MAX_KEY + " characters");
            }
            if (!value.isTextual() && !value.isNumber() && !value.isBoolean()) {
                throw invalid("tag '" + key + "' must be a string, number or boolean, not " + value.getNodeType().name().toLowerCase(Locale.ROOT));
            }
            String text = value.asText();
            if (text.length() > MAX_VALUE) {
                throw invalid("tag '" + key + "' is longer than " + MAX_VALUE + " characters");
            }
            tags.put(key, text);
        }
        return tags;
    }

    private static GatewayException invalid(String problem) {
        return GatewayException.invalid("The " + HEADER + " header " + problem + ".", HEADER);
    }
}
