package dev.gatehouse.access;

import io.vertx.core.MultiMap;

/**
 * Finds the credential a caller presented: {@code Authorization: Bearer <key>} (OpenAI clients)
 * or {@code x-api-key: <key>} (Anthropic clients).
 */
public final class CredentialExtractor {
    private CredentialExtractor() {}

    /** The presented token, or null when there is none. */
    public static String token(MultiMap headers) {
        String authorization = headers.get("authorization");
        if (authorization != null) {
            if (authorization.length() > 7 && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                String token = authorization.substring(7).trim();
                return token.isEmpty() ? null : token;
            }
            return null;
        }
        String apiKey = headers.get("x-api-key");
        return apiKey == null || apiKey.isBlank() ? null : apiKey.trim();
    }
}
