package dev.gatehouse.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** Reading fields of an admin request body, with 400s that name the field. */
public final class AdminBody {
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
        return node.asText().strip();
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
            if (!item.isTextual() || item.asText().isBlank() || item.asText().contains("\n")) {
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
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw GatewayException.invalid("'" + field + "' must be an ISO-8601 time such as 2026-01-31T00:00:00Z.", field);
        }
    }

    /** A duration written like the config ({@code 90s}, {@code 24h}, {@code 30d}) or a number of seconds; null when absent. */
    public static Duration duration(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isIntegralNumber() && node.asLong() >= 0) {
            return Duration.ofSeconds(node.asLong());
        }
        Duration parsed = parseDuration(node.asText());
        if (parsed == null) {
            throw GatewayException.invalid("'" + field + "' must be a duration such as 90s, 24h or 30d.", field);
        }
        return parsed;
    }

    /** {@code 90s}, {@code 15m}, {@code 24h}, {@code 30d}, or null when not one of those. */
    public static Duration parseDuration(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s*(\\d{1,9})\\s*([smhd])\\s*").matcher(text);
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
