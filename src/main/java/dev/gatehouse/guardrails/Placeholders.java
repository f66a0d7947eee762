package dev.gatehouse.guardrails;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The masks of one call: each distinct value gets a stable placeholder ({@code <EMAIL_1>}, the same
 * one wherever the value recurs in the request), and the values masked on the way in can be put
 * back into the answer. Lives only as long as its call, in memory; never logged.
 */
final class Placeholders {
    static final Pattern PLACEHOLDER = Pattern.compile("<([A-Z][A-Z0-9_]*)_(\\d{1,6})>");

    private final Map<String, String> byValue = new HashMap<>();
    private final Map<String, String> restorable = new HashMap<>();
    private final Map<String, Integer> counters = new HashMap<>();
    private int longest;

    /** The placeholder for {@code value}; {@code restore} marks it to be put back into the answer. */
    String placeholder(String kind, String value, boolean restore) {
        String key = kind + '\u0000' + value;
        String p = byValue.get(key);
        if (p == null) {
            int n = counters.merge(kind, 1, Integer::sum);
            p = "<" + kind + "_" + n + ">";
            byValue.put(key, p);
        }
        if (restore) {
            restorable.put(p, value);
            longest = Math.max(longest, p.length());
        }
        return p;
    }

    /** {@code text} with the spans of {@code findings} (non-overlapping, any order) replaced by placeholders. */
    String mask(String text, List<Finding> findings, boolean restore) {
        List<Finding> spans = findings.stream().filter(Finding::hasSpan)
                .sorted((a, b) -> Integer.compare(a.start(), b.start())).toList();
        StringBuilder b = new StringBuilder(text.length());
        int at = 0;
        for (Finding f : spans) {
            if (f.start() < at) {
                continue; // overlaps one already masked
            }
            b.append(text, at, f.start()).append(placeholder(f.kind(), text.substring(f.start(), f.end()), restore));
            at = f.end();
        }
        return b.append(text, at, text.length()).toString();
    }

    boolean restores() {
        return !restorable.isEmpty();
    }

    /** The longest placeholder that can be restored: how much text a stream holds back for a split one. */
    int longest() {
        return longest;
    }

    /** {@code text} with every restorable placeholder replaced by its value. */
    String restore(String text) {
        if (restorable.isEmpty() || text.indexOf('<') < 0) {
            return text;
        }
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder b = null;
        int at = 0;
        while (m.find()) {
            String value = restorable.get(m.group());
            if (value != null) {
                if (b == null) {
                    b = new StringBuilder(text.length() + 32);
                }
                b.append(text, at, m.start()).append(value);
                at = m.end();
            }
        }
        return b == null ? text : b.append(text, at, text.length()).toString();
    }

    /**
     * Where a placeholder may begin that the text cut off: the index of a trailing {@code <} followed
     * only by placeholder characters and shorter than the longest placeholder, else {@code text.length()}.
     * Text from there on waits for the next piece.
     */
    int safeEnd(CharSequence text) {
        int n = text.length();
        int from = Math.max(0, n - longest + 1);
        for (int i = n - 1; i >= from; i--) {
            char c = text.charAt(i);
            if (c == '<') {
                return i;
            }
            if (!(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                break;
            }
        }
        return n;
    }
}
