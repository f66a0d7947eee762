package dev.gatehouse.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Period starts, including across boundaries and with a clock that moves back (the last window is cached). */
class PeriodTest {
    private static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void startsAtTheCalendarBoundaryInUtc() {
        long now = at("2026-12-06T09:59:00Z"); // a Sunday
        assertThat(Period.DAY.start(now)).isEqualTo(at("2026-12-06T00:00:00Z"));
        assertThat(Period.WEEK.start(now)).isEqualTo(at("2026-11-30T00:00:00Z"));
        assertThat(Period.MONTH.start(now)).isEqualTo(at("2026-12-01T00:00:00Z"));
        assertThat(Period.TOTAL.start(now)).isZero();
    }

    @Test
    void theCachedWindowNeverAnswersForAnotherPeriod() {
        long before = at("2026-12-31T23:59:59.999Z");
        long after = at("2027-01-01T00:00:00Z");
        for (int i = 0; i < 3; i++) { // forward, back, forward again: each answer as if asked fresh
            assertThat(Period.MONTH.start(before)).isEqualTo(at("2026-12-01T00:00:00Z"));
            assertThat(Period.MONTH.start(after)).isEqualTo(at("2027-01-01T00:00:00Z"));
            assertThat(Period.DAY.start(after)).isEqualTo(after);
            assertThat(Period.DAY.start(before)).isEqualTo(at("2026-12-31T00:00:00Z"));
            assertThat(Period.WEEK.start(after)).isEqualTo(at("2026-12-28T00:00:00Z"));
            assertThat(Period.WEEK.start(at("2027-01-04T00:00:00Z"))).isEqualTo(at("2027-01-04T00:00:00Z"));
            assertThat(Period.TOTAL.start(after)).isZero();
        }
    }
}
