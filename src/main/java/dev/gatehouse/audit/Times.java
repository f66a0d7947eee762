package dev.gatehouse.audit;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Parses the {@code since}/{@code until} filters: epoch milliseconds, an ISO-8601 instant, or a UTC date. */
public final class Times {
    private Times() {}

    /** Epoch millis, or null for null/blank; IllegalArgumentException with the accepted forms otherwise. */
    public static Long parse(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        try {
            if (v.chars().allMatch(Character::isDigit)) {
                return Long.parseLong(v);
            }
            if (v.length() == 10) {
                return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            }
            return Instant.parse(v).toEpochMilli();
        } catch (DateTimeParseException | NumberFormatException | ArithmeticException e) {
            // ArithmeticException: a year like +1000000000 parses but overflows epoch milliseconds.
            throw new IllegalArgumentException("'" + value + "' is not a time: use epoch milliseconds, "
                    + "an ISO-8601 instant (2025-01-31T12:00:00Z) or a date (2025-01-31)");
        }
    }
}
