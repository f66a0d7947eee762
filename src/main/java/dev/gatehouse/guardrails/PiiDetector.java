package dev.gatehouse.guardrails;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Personal data: e-mail addresses, phone numbers, card numbers (Luhn-checked), IBANs (mod-97
 * checked), US social security numbers, IPv4 and IPv6 addresses, and custom patterns. Candidates
 * are found by regular expressions and then confirmed (checksums, address syntax), which keeps
 * order numbers and timestamps from being masked.
 */
final class PiiDetector implements Detector {
    static final Pattern EMAIL = Pattern.compile("(?<![\\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63})*\\.[A-Za-z]{2,24}(?![\\w-])");
    static final Pattern CARD = Pattern.compile("(?=\\d)(?<![\\d-])\\d(?:[ -]?\\d){12,18}(?![\\d-])");
    static final Pattern IBAN = Pattern.compile("(?=[A-Z])(?<![A-Za-z0-9])[A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])");
    static final Pattern SSN = Pattern.compile("(?=\\d)(?<![\\d-])(?!000|666|9\\d\\d)\\d{3}-(?!00)\\d{2}-(?!0000)\\d{4}(?![\\d-])");
    static final Pattern PHONE = Pattern.compile(
            "(?=[+(\\d])(?<![\\w+])(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{1,4}\\)[ .-]?|\\d{1,4}[ .-])\\d{3,4}[ .-]?\\d{3,4}(?![\\w])");
    static final Pattern IPV4 = Pattern.compile("(?=\\d)(?<![\\d.])(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?![\\d.]*\\d)");
    static final Pattern IPV6 = Pattern.compile("(?=[0-9A-Fa-f:])(?<![\\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\\w:])");

    /** In priority order: a span claimed by an earlier kind is not reported again by a later one. */
    private final List<Map.Entry<String, Pattern>> rules = new ArrayList<>();

    /**
     * @param entities which built-in kinds run (email, phone, credit-card, iban, ssn, ip); empty = all
     * @param custom extra patterns by label
     */
    PiiDetector(List<String> entities, Map<String, String> custom) {
        Map<String, Pattern> all = new LinkedHashMap<>();
        all.put("email", EMAIL);
        all.put("credit-card", CARD);
        all.put("iban", IBAN);
        all.put("ssn", SSN);
        all.put("ip", IPV4);
        all.put("ipv6", IPV6);
        all.put("phone", PHONE);
        all.forEach((name, pattern) -> {
            String entity = name.equals("ipv6") ? "ip" : name;
            if (entities.isEmpty() || entities.contains(entity)) {
                rules.add(Map.entry(name, pattern));
            }
        });
        custom.forEach((label, regex) -> rules.add(Map.entry("custom:" + label, Pattern.compile(regex))));
    }

    @Override
    public void find(String text, List<Finding> out) {
        int first = out.size();
        Shape shape = Shape.of(text);
        for (Map.Entry<String, Pattern> rule : rules) {
            if (!shape.mayHold(rule.getKey())) {
                continue;
            }
            Matcher m = rule.getValue().matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
            if (rule.getValue() == EMAIL) {
                emails(text, m, first, out);
                continue;
            }
            if (rule.getValue() == IBAN) {
                ibans(text, m, first, out);
                continue;
            }
            int minDigits = NUMERIC.getOrDefault(rule.getKey(), 0);
            if (minDigits == 0) {
                matches(rule.getKey(), text, m, first, out);
                continue;
            }
            // Numeric kinds are looked for only where digits are: a regular expression tries
            // every position of the text, and 2 KB of prose with one card number took 30 times
            // as long as the same prose without it.
            int from = 0;
            while (from < text.length()) {
                long run = NumberRuns.next(text, from);
                if (run < 0) {
                    break;
                }
                int start = (int) (run >>> 32);
                int end = (int) run;
                if (NumberRuns.digits(text, start, end) >= minDigits) {
                    m.region(start, end);
                    matches(rule.getKey(), text, m, first, out);
                }
                from = end;
            }
        }
    }

    /**
     * IBANs, looked for only where two capital letters and two digits begin a word (the country
     * code and check digits every IBAN starts with), not at every capital letter of the text.
     */
    private static void ibans(String text, Matcher m, int first, List<Finding> out) {
        int n = text.length();
        for (int i = 0; i + 4 <= n; i++) {
            if (isUpper(text.charAt(i)) && isUpper(text.charAt(i + 1)) && NumberRuns.isDigit(text.charAt(i + 2))
                    && NumberRuns.isDigit(text.charAt(i + 3)) && (i == 0 || !Character.isLetterOrDigit(text.charAt(i - 1)))) {
                int end = i;
                while (end < n && end - i < 48 && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == ' ')) {
                    end++;
                }
                m.region(i, end);
                matches("iban", text, m, first, out);
                i = end - 1;
            }
        }
    }

    private static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    /** The kinds found only in runs of digits and separators, with the fewest digits each can have. */
    private static final Map<String, Integer> NUMERIC = Map.of("credit-card", 13, "ssn", 9, "ip", 4, "phone", 8);

    private static void matches(String rule, String text, Matcher m, int first, List<Finding> out) {
        while (m.find()) {
            String kind = confirm(rule, text, m.start(), m.end());
            if (kind == null) {
                continue;
            }
            Finding f = new Finding(kind, m.start(), m.end());
            if (!claimed(out, first, f)) {
                out.add(f);
            }
        }
    }

    /**
     * Runs of characters a card number, phone number, SSN or IPv4 address is written with (digits,
     * spaces, {@code + - . ( )}) that hold at least one digit. Every numeric pattern's match lies
     * within one such run, and a matcher limited to it (with transparent bounds, so look-behinds
     * still see the text around it) finds what it would have found in the whole text.
     */
    static final class NumberRuns {
        private NumberRuns() {}

        /** The next run at or after {@code from} as {@code start << 32 | end}, or -1. */
        static long next(String text, int from) {
            int n = text.length();
            int digit = from;
            while (digit < n && !isDigit(text.charAt(digit))) {
                digit++;
            }
            if (digit == n) {
                return -1;
            }
            int start = digit;
            while (start > from && isPart(text.charAt(start - 1))) {
                start--;
            }
            int end = digit;
            while (end < n && isPart(text.charAt(end))) {
                end++;
            }
            return (long) start << 32 | end;
        }

        static int digits(String text, int start, int end) {
            int d = 0;
            for (int i = start; i < end; i++) {
                if (isDigit(text.charAt(i))) {
                    d++;
                }
            }
            return d;
        }

        static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private static boolean isPart(char c) {
            return isDigit(c) || c == ' ' || c == '-' || c == '.' || c == '+' || c == '(' || c == ')';
        }
    }

    /**
     * E-mail addresses, looked for only around each '@' (the pattern alone would try a 64-character
     * local part at every position of the text).
     */
    private static void emails(String text, Matcher m, int first, List<Finding> out) {
        int from = 0;
        int at;
        while ((at = text.indexOf('@', from)) >= 0) {
            int start = Math.max(from, at - 64);
            m.region(start, Math.min(text.length(), at + 256));
            if (m.find() && m.start() <= at && m.end() > at) {
                Finding f = new Finding("EMAIL", m.start(), m.end());
                if (!claimed(out, first, f)) {
                    out.add(f);
                }
                from = m.end();
            } else {
                from = at + 1;
            }
        }
    }

    /**
     * What a text is made of, counted in one pass, so that a pattern that cannot match (a card
     * number in a text with five digits, an e-mail without an '@') is not run at all: most prose
     * skips every pattern but the custom ones. Regex engines pay at every position; this pays once.
     */
    record Shape(int digits, boolean at, int colons, boolean upper) {
        static Shape of(String text) {
            int digits = 0;
            int colons = 0;
            boolean at = false;
            boolean upper = false;
            for (int i = 0, n = text.length(); i < n; i++) {
                char c = text.charAt(i);
                if (c >= '0' && c <= '9') {
                    digits++;
                } else if (c == '@') {
                    at = true;
                } else if (c == ':') {
                    colons++;
                } else if (c >= 'A' && c <= 'Z') {
                    upper = true;
                }
            }
            return new Shape(digits, at, colons, upper);
        }

        boolean mayHold(String rule) {
            return switch (rule) {
                case "email" -> at;
                case "credit-card" -> digits >= 13;
                case "iban" -> digits >= 4 && upper;
                case "ssn" -> digits >= 9;
                case "ip" -> digits >= 4;
                case "ipv6" -> colons >= 2;
                case "phone" -> digits >= 8;
                default -> true;
            };
        }
    }

    private static boolean claimed(List<Finding> out, int from, Finding f) {
        for (int i = from; i < out.size(); i++) {
            if (out.get(i).overlaps(f)) {
                return true;
            }
        }
        return false;
    }

    /** The finding's kind when the candidate is real, else null. */
    static String confirm(String rule, String text, int start, int end) {
        return switch (rule) {
            case "email" -> "EMAIL";
            case "credit-card" -> Checksums.luhn(digits(text, start, end)) ? "CREDIT_CARD" : null;
            case "iban" -> Checksums.iban(text.substring(start, end).replace(" ", "")) ? "IBAN" : null;
            case "ssn" -> "SSN";
            case "ip" -> "IP_ADDRESS";
            case "ipv6" -> ipv6(text.substring(start, end)) ? "IP_ADDRESS" : null;
            case "phone" -> phone(text, start, end) ? "PHONE" : null;
            default -> rule.substring("custom:".length());
        };
    }

    private static String digits(String text, int start, int end) {
        StringBuilder b = new StringBuilder(end - start);
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** 8 to 15 digits (E.164 allows 15), with a separator or a leading + (a bare number is an id, not a phone). */
    private static boolean phone(String text, int start, int end) {
        int digits = digits(text, start, end).length();
        if (digits < 8 || digits > 15) {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c == '+' || c == ' ' || c == '-' || c == '.' || c == '(') {
                return true;
            }
        }
        return false;
    }

    /** RFC 4291 text form: eight groups of 1-4 hex digits, or fewer with one "::". */
    static boolean ipv6(String s) {
        int doubleColon = s.indexOf("::");
        if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
            return false;
        }
        String[] groups = s.split(":", -1);
        int nonEmpty = 0;
        for (String g : groups) {
            if (g.length() > 4) {
                return false;
            }
            if (!g.isEmpty()) {
                nonEmpty++;
            }
        }
        if (doubleColon < 0) {
            return groups.length == 8 && nonEmpty == 8;
        }
        // "::" stands for at least one zero group; at least two written groups keep "a::" or "::" out
        return nonEmpty <= 7 && nonEmpty >= 2;
    }
}
