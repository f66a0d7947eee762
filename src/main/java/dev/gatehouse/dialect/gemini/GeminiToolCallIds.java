package dev.gatehouse.dialect.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.UUID;

/**
 * Tool call ids for Gemini, which usually returns function calls without ids and matches results by
 * function name. We synthesize {@code call_<tag>_<n>} ids, unique per answer, and on the way back
 * recover the name of each result from the assistant turn that made the call. When Gemini
 * attaches a {@code thoughtSignature} to a function call (Gemini 2.5/3 thinking models, which
 * reject a later turn that lacks it), the signature rides inside the id ({@code ..._ts_<base64url>})
 * so it comes back with the conversation without any state in the gateway.
 */
final class GeminiToolCallIds {
    private static final String SIGNATURE_MARK = "_ts_";

    private GeminiToolCallIds() {}

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
}
