package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One request as the fake upstream received it, before any validation.
 *
 * @param method        HTTP method
 * @param path          path without query, e.g. {@code /v1/chat/completions}
 * @param query         raw query string, empty when absent
 * @param headers       headers with lower-cased names, values in arrival order
 * @param body          raw body bytes exactly as received
 * @param json          parsed body, or {@code null} when the body was not valid JSON
 * @param unknownFields top-level body fields the fake does not know (accepted, but recorded so a
 *                      test can assert the gateway forwarded or dropped them)
 */
public record RecordedRequest(String method, String path, String query, Map<String, List<String>> headers,
                              byte[] body, JsonNode json, List<String> unknownFields) {

    /** First value of a header (case-insensitive), or {@code null}. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** Decoded value of a query parameter, or {@code null}. */
    public String queryParam(String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    public String bodyString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** True when the body asked for a stream ({@code "stream": true}). */
    public boolean streamed() {
        return json != null && json.path("stream").asBoolean(false);
    }
}
