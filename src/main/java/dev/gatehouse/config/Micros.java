package dev.gatehouse.config;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Money as integer micro-units of USD. Decimal text is converted exactly (BigDecimal), never via double. */
public final class Micros {
    public static final long PER_UNIT = 1_000_000L;

    private Micros() {}

    /**
     * "2.50" (dollars) → 2_500_000. More than six decimals is refused rather than silently rounded.
     *
     * @throws IllegalArgumentException when the text is not a non-negative decimal with at most 6 decimals
     */
    public static long parse(String dollars) {
        BigDecimal value;
        try {
            value = new BigDecimal(dollars.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: '" + dollars + "'");
        }
        return of(value);
    }

    public static long of(BigDecimal dollars) {
        if (dollars.signum() < 0) {
            throw new IllegalArgumentException("must not be negative: " + shown(dollars));
        }
        // Refuse by magnitude first: "1e999999999" written out in full (setScale, toPlainString)
        // would take a billion digits of memory and seconds of CPU.
        if (dollars.signum() != 0 && (dollars.precision() - dollars.scale() > 14 || dollars.scale() > 6 + dollars.precision())) {
            throw new IllegalArgumentException("at most 6 decimals (micro-units) and at most 9.2e12: " + shown(dollars));
        }
        try {
            return dollars.movePointRight(6).setScale(0, RoundingMode.UNNECESSARY).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("at most 6 decimals (micro-units) and at most 9.2e12: " + shown(dollars));
        }
    }

    /** The value as written when short, else in scientific notation (never a billion zeros). */
    private static String shown(BigDecimal dollars) {
        return Math.abs((long) dollars.scale()) <= 30 ? dollars.toPlainString() : dollars.toString();
    }

    /** 2_500_000 → "2.500000" (for JSON and logs: a string keeps it exact). */
    public static String format(long micros) {
        return BigDecimal.valueOf(micros, 6).toPlainString();
    }
}
