package dev.gatehouse.budget;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/** How often a budget starts over. Periods are calendar periods in UTC; weeks start on Monday. */
public enum Period {
    DAY, WEEK, MONTH, TOTAL;

    /** The period last asked about: asked on every call, and the answer changes once a day at most. */
    private record Window(long start, long end) {}

    private volatile Window last = new Window(0, 0);

    /** Epoch millis of the start of the period containing {@code nowMillis} (0 for TOTAL). */
    public long start(long nowMillis) {
        Window window = last;
        if (nowMillis >= window.start && nowMillis < window.end) {
            return window.start;
        }
        long start = computeStart(nowMillis);
        last = new Window(start, end(start));
        return start;
    }

    private long computeStart(long nowMillis) {
        LocalDate day = Instant.ofEpochMilli(nowMillis).atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate start = switch (this) {
            case DAY -> day;
            case WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> day.withDayOfMonth(1);
            case TOTAL -> null;
        };
        return start == null ? 0 : start.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    /** Epoch millis when the period starting at {@code start} ends, or {@link Long#MAX_VALUE} for TOTAL. */
    public long end(long start) {
        LocalDate day = Instant.ofEpochMilli(start).atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate end = switch (this) {
            case DAY -> day.plusDays(1);
            case WEEK -> day.plusWeeks(1);
            case MONTH -> day.plusMonths(1);
            case TOTAL -> null;
        };
        return end == null ? Long.MAX_VALUE : end.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Period parse(String text) {
        if (text != null) {
            for (Period p : values()) {
                if (p.wire().equals(text.trim().toLowerCase(Locale.ROOT))) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException("period must be one of day, week, month, total; got '" + text + "'");
    }
}
