package dev.gatehouse.provider;

import io.vertx.core.MultiMap;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * A provider's {@code Retry-After}, read the same way for every dialect: delay-seconds ("30",
 * also a fraction such as "0.5") or an HTTP date (RFC 1123, "Sun, 06 Nov 1994 08:49:37 GMT"); a
 * date already past is zero. A negative, non-numeric or unparseable value is ignored (null), and
 * anything longer than {@link #MAX} is cut to it, so a buggy or hostile header cannot overflow the
 * arithmetic that follows (whether to wait at all is the executor's retry-after-cap).
 */
public final class RetryAfter {
    /** The longest delay believed; far above any retry-after-cap. */
    public static final Duration MAX = Duration.ofDays(1);
    private static final Pattern NUMBER = Pattern.compile("\\d{1,19}(\\.\\d{1,9})?");

    private RetryAfter() {}

    /** The {@code retry-after} header of a response, or null when absent or unusable. */
    public static Duration of(MultiMap headers) {
        return headers == null ? null : parse(headers.get("retry-after"), Instant.now());
    }

    /** One {@code Retry-After} value, seconds or an HTTP date (read against {@code now}), or null. */
    public static Duration parse(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Duration seconds = seconds(value);
        if (seconds != null) {
            return seconds;
        }
        try {
            Duration d = Duration.between(now, ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return d.isNegative() ? Duration.ZERO : cap(d);
        } catch (DateTimeParseException | ArithmeticException notADate) {
            return null;
        }
    }

    /** A non-negative number of seconds ("30", "0.5"), or null. */
    public static Duration seconds(String value) {
        return number(value, 1000);
    }

    /** A non-negative number of milliseconds (OpenAI's {@code retry-after-ms}), or null. */
    public static Duration millis(String value) {
        return number(value, 1);
    }

    private static Duration number(String value, double unitMillis) {
        if (value == null) {
            return null;
        }
        String v = value.trim();
        if (!NUMBER.matcher(v).matches()) {
            return null;
        }
        double millis = Double.parseDouble(v) * unitMillis;
        return millis >= MAX.toMillis() ? MAX : Duration.ofMillis((long) millis);
    }

    private static Duration cap(Duration d) {
        return d.compareTo(MAX) > 0 ? MAX : d;
    }
}
