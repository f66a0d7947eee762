package dev.gatehouse.cache;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import java.util.Locale;

/**
 * A caller's {@code Cache-Control} request header, read as HTTP defines it for requests:
 * {@code no-cache}: do not answer from the cache (the fresh answer is still stored);
 * {@code no-store}: neither answer from nor store into the cache;
 * {@code max-age=N}: accept a stored answer only if it is at most N seconds old.
 * Unknown directives are ignored, as HTTP asks; a malformed {@code max-age} is a 400.
 *
 * @param maxAgeSeconds -1 when not given
 */
public record CacheControl(boolean noCache, boolean noStore, long maxAgeSeconds) {
    public static final CacheControl NONE = new CacheControl(false, false, -1);

    public static CacheControl parse(String header) {
        if (header == null || header.isBlank()) {
            return NONE;
        }
        boolean noCache = false;
        boolean noStore = false;
        long maxAge = -1;
        for (String raw : header.split(",")) {
            String directive = raw.strip().toLowerCase(Locale.ROOT);
            if (directive.equals("no-cache")) {
                noCache = true;
            } else if (directive.equals("no-store")) {
                noStore = true;
            } else if (directive.startsWith("max-age")) {
                String value = directive.substring("max-age".length()).strip();
                if (!value.startsWith("=")) {
                    throw invalid(raw.strip());
                }
                value = value.substring(1).strip();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                if (value.isEmpty() || value.length() > 10 || !value.chars().allMatch(Character::isDigit)) {
                    throw invalid(raw.strip());
                }
                maxAge = Long.parseLong(value);
            }
        }
        return new CacheControl(noCache, noStore, maxAge);
    }

    private static GatewayException invalid(String directive) {
        return new GatewayException(ErrorType.INVALID_REQUEST, "Invalid Cache-Control directive '"
                + (directive.length() > 64 ? directive.substring(0, 64) + "..." : directive)
                + "': max-age must be a whole number of seconds, e.g. max-age=600.", "Cache-Control", "invalid_cache_control");
    }
}
