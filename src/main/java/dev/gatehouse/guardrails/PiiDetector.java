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
    static final Pattern CARD = Pattern.compile("(?<![\\d-])\\d(?:[ -]?\\d){12,18}(?![\\d-])");
    static final Pattern IBAN = Pattern.compile("(?<![A-Za-z0-9])[A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])");
    static final Pattern SSN = Pattern.compile("(?<![\\d-])(?!000|666|9\\d\\d)\\d{3}-(?!00)\\d{2}-(?!0000)\\d{4}(?![\\d-])");
    static final Pattern PHONE = Pattern.compile(
            "(?<![\\w+])(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{1,4}\\)[ .-]?|\\d{1,4}[ .-])\\d{3,4}[ .-]?\\d{3,4}(?![\\w])");
    static final Pattern IPV4 = Pattern.compile("(?<![\\d.])(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?![\\d.]*\\d)");
    static final Pattern IPV6 = Pattern.compile("(?<![\\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\\w:])");

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
        for (Map.Entry<String, Pattern> rule : rules) {
            Matcher m = rule.getValue().matcher(text);
            while (m.find()) {
                String kind = confirm(rule.getKey(), text, m.start(), m.end());
                if (kind == null) {
                    continue;
                }
                Finding f = new Finding(kind, m.start(), m.end());
                if (!claimed(out, first, f)) {
                    out.add(f);
                }
            }
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
    private static String confirm(String rule, String text, int start, int end) {
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
