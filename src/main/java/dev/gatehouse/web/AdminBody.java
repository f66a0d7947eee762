package dev.gatehouse.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading fields of an admin request body, with 400s that name the field. */
public final class AdminBody {
    /** The longest name, e-mail or id a body may carry: the identity columns are VARCHAR(255) to VARCHAR(320). */
    public static final int MAX_TEXT = 255;
    /** The longest duration (expiry, grace period) a body may give: long enough for any real use, far from overflowing. */
    public static final Duration MAX_DURATION = Duration.ofDays(36_500);
    /** Times a body or query may give: years 0000 to 9999, so every one fits epoch milliseconds and ISO-8601 output. */
    public static final Instant EARLIEST = Instant.parse("0000-01-01T00:00:00Z");
    public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");

    private AdminBody() {}

    public static String text(JsonNode body, String field, boolean required) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                throw GatewayException.invalid("'" + field + "' is required.", field);
            }
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            throw GatewayException.invalid("'" + field + "' must be a non-empty string.", field);
        }
        String text = node.asText().strip();
        if (text.length() > MAX_TEXT) {
            throw GatewayException.invalid("'" + field + "' must be at most " + MAX_TEXT + " characters.", field);
        }
        if (hasControl(text)) {
            throw GatewayException.invalid("'" + field + "' must not contain control characters.", field);
        }
        return text;
    }

    /** Control characters (NUL above all, which PostgreSQL refuses in text) have no place in names and ids. */
    private static boolean hasControl(String text) {
        return text.chars().anyMatch(Character::isISOControl);
    }

    public static boolean has(JsonNode body, String field) {
        return body.has(field);
    }

    /** A list of non-empty strings; null when absent. */
    public static List<String> list(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw GatewayException.invalid("'" + field + "' must be a list of strings.", field);
        }
        List<String> values = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual() || item.asText().isBlank() || hasControl(item.asText())) {
                throw GatewayException.invalid("'" + field + "' must be a list of non-empty strings.", field);
            }
            values.add(item.asText().strip());
        }
        return values;
    }

    /** A positive integer; null when absent or null. */
    public static Integer positiveInt(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 1) {
            throw GatewayException.invalid("'" + field + "' must be a whole number of at least 1.", field);
        }
        return node.asInt();
    }

    /** An ISO-8601 instant ({@code 2026-01-31T00:00:00Z}); null when absent. */
    public static Instant instant(JsonNode body, String field) {
        String text = text(body, field, false);
        if (text == null) {
            return null;
        }
        Instant at;
        try {
            at = Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw GatewayException.invalid("'" + field + "' must be an ISO-8601 time such as 2026-01-31T00:00:00Z.", field);
        }
        if (!representable(at)) {
            throw GatewayException.invalid("'" + field + "' must be a time between the years 0000 and 9999.", field);
        }
        return at;
    }

    /** Whether a time lies within {@link #EARLIEST} and {@link #LATEST}. */
    public static boolean representable(Instant at) {
        return !at.isBefore(EARLIEST) && !at.isAfter(LATEST);
    }

    /** A duration written like the config ({@code 90s}, {@code 24h}, {@code 30d}) or a number of seconds; null when absent. */
    public static Duration duration(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        Duration parsed = null;
        if (node.isIntegralNumber()) {
            // A huge number of seconds would overflow milliseconds; anything past MAX_DURATION is refused below.
            parsed = node.canConvertToLong() && node.asLong() >= 0 ? Duration.ofSeconds(Math.min(node.asLong(), MAX_DURATION.toSeconds() + 1)) : null;
        } else if (node.isTextual()) {
            parsed = parseDuration(node.asText());
        }
        if (parsed == null) {
            throw GatewayException.invalid("'" + field + "' must be a duration such as 90s, 24h or 30d.", field);
        }
        if (parsed.compareTo(MAX_DURATION) > 0) {
            throw GatewayException.invalid("'" + field + "' must be at most " + MAX_DURATION.toDays() + "d.", field);
        }
        return parsed;
    }

    /** {@code 90s}, {@code 15m}, {@code 24h}, {@code 30d}, or null when not one of those. */
    public static Duration parseDuration(String text) {
        Matcher m = Pattern.compile("\\s*(\\d{1,9})\\s*([smhd])\\s*").matcher(text);
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    public static GatewayException notFound(String what, String id) {
        return new GatewayException(ErrorType.NOT_FOUND, "No such " + what + ": " + id, null, "not_found");
    }

    public static GatewayException forbidden(String message) {
        return new GatewayException(ErrorType.PERMISSION, message, null, "forbidden");
    }

    public static GatewayException conflict(String message) {
        return new GatewayException(ErrorType.INVALID_REQUEST, message, null, "conflict", null, 409);
    }
}
