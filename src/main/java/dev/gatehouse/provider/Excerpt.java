package dev.gatehouse.provider;

/**
 * Upstream text quoted in an error message (a non-JSON body, a bad stream chunk), cut short so a
 * huge or hostile body cannot blow up an error message, a log line or a caller's response.
 */
public final class Excerpt {
    /** The most characters of upstream text an error message quotes. */
    public static final int MAX = 500;

    private Excerpt() {}

    /** {@code s} itself when short, else its first {@link #MAX} characters and an ellipsis. */
    public static String truncate(String s) {
        return s.length() <= MAX ? s : s.substring(0, MAX) + "…";
    }
}
