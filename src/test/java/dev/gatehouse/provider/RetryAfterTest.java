package dev.gatehouse.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
    private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");

    private static String httpDate(Instant at) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(at.atZone(ZoneOffset.UTC));
    }

    @Test
    void readsDelaySeconds() {
        assertThat(RetryAfter.parse("30", NOW)).isEqualTo(Duration.ofSeconds(30));
        assertThat(RetryAfter.parse(" 0 ", NOW)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse("0.5", NOW)).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void readsAnHttpDate() {
        assertThat(RetryAfter.parse(httpDate(NOW.plusSeconds(120)), NOW)).isEqualTo(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse("Sat, 10 Jan 2026 12:00:45 GMT", NOW)).isEqualTo(Duration.ofSeconds(45));
        // A date already past means "now".
        assertThat(RetryAfter.parse(httpDate(NOW.minusSeconds(60)), NOW)).isEqualTo(Duration.ZERO);
    }

    @Test
    void ignoresNegativeAndGarbage() {
        for (String bad : new String[] {null, "", "  ", "-5", "soon", "NaN", "Infinity", "1e3", "3d", "0x10", "5s",
                "Sat, 99 Jan 2026 12:00:45 GMT", "12:00:45"}) {
            assertThat(RetryAfter.parse(bad, NOW)).as(String.valueOf(bad)).isNull();
        }
    }

    @Test
    void capsAbsurdDelays() {
        assertThat(RetryAfter.parse("9999999999999999999", NOW)).isEqualTo(RetryAfter.MAX);
        assertThat(RetryAfter.parse(httpDate(NOW.plus(Duration.ofDays(400))), NOW)).isEqualTo(RetryAfter.MAX);
        assertThat(RetryAfter.parse("86399", NOW)).isEqualTo(Duration.ofSeconds(86399));
    }

    @Test
    void readsTheHeaderCaseInsensitivelyAndMillis() {
        assertThat(RetryAfter.of(MultiMap.caseInsensitiveMultiMap().add("Retry-After", "7"))).isEqualTo(Duration.ofSeconds(7));
        assertThat(RetryAfter.of(MultiMap.caseInsensitiveMultiMap())).isNull();
        assertThat(RetryAfter.of(null)).isNull();
        assertThat(RetryAfter.millis("1500")).isEqualTo(Duration.ofMillis(1500));
        assertThat(RetryAfter.millis("-1")).isNull();
    }
}
