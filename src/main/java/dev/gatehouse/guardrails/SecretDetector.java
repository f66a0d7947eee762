package dev.gatehouse.guardrails;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Credentials pasted into prompts or leaked in answers: provider API keys by their published
 * shapes, AWS access keys (and secret keys next to their name), private key blocks, JWTs, and
 * high-entropy tokens (random-looking strings of mixed case and digits).
 */
final class SecretDetector implements Detector {
    /**
     * @param needles literal pieces one of which every match contains: the pattern runs only when
     *                the text holds one (a regex pays at every position, {@code indexOf} is vectorised)
     */
    private record Rule(String kind, String option, Pattern pattern, String... needles) {
        boolean mayMatch(String text) {
            for (String n : needles) {
                if (text.contains(n)) {
                    return true;
                }
            }
            return needles.length == 0;
        }
    }

    private static final List<Rule> RULES = List.of(
            new Rule("ANTHROPIC_KEY", "anthropic-key", Pattern.compile("sk-ant-(?:api|admin|oat)\\d{2}-[A-Za-z0-9_-]{20,}"), "sk-ant-"),
            new Rule("OPENAI_KEY", "openai-key", Pattern.compile("(?<![\\w-])sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"), "sk-"),
            new Rule("AWS_ACCESS_KEY", "aws-access-key", Pattern.compile("(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])"), "AKIA", "ASIA", "ABIA", "ACCA"),
            new Rule("AWS_SECRET_KEY", "aws-access-key", Pattern.compile(
                    "(?i)aws_?secret_?(?:access_?)?key[\"']?\\s*[:=]\\s*[\"']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"), "ecret", "ECRET"),
            new Rule("PRIVATE_KEY", "private-key", Pattern.compile(
                    "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[\\s\\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|[A-Za-z0-9+/=\\s]*)"), "PRIVATE KEY-----"),
            new Rule("JWT", "jwt", Pattern.compile("(?<![\\w-])eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}"), "eyJ"),
            new Rule("API_KEY", "provider-key", Pattern.compile(
                    "(?<![\\w-])(?:AIza[0-9A-Za-z_-]{35}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}"
                            + "|xox[abprs]-[A-Za-z0-9-]{10,}|(?:sk|rk)_live_[A-Za-z0-9]{20,}|hf_[A-Za-z0-9]{30,}"
                            + "|gsk_[A-Za-z0-9]{40,}|xai-[A-Za-z0-9]{40,}|glpat-[A-Za-z0-9_-]{20,})"),
                    "AIza", "gh", "xox", "_live_", "hf_", "gsk_", "xai-", "glpat-"));

    /** Candidate tokens for the entropy check: runs of at least this many key-like characters. */
    private static final int MIN_TOKEN = 24;

    private static boolean tokenChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '_'
                || c == '=' || c == '-';
    }

    private final List<Rule> rules = new ArrayList<>();
    private final double entropyBits;

    /**
     * @param kinds which kinds run (see {@code GuardrailsReader.SECRETS}); empty = all
     * @param entropyBits bits per character at which a token counts as random (0 = no entropy check)
     */
    SecretDetector(List<String> kinds, double entropyBits) {
        for (Rule r : RULES) {
            if (kinds.isEmpty() || kinds.contains(r.option())) {
                rules.add(r);
            }
        }
        this.entropyBits = kinds.isEmpty() || kinds.contains("high-entropy") ? entropyBits : 0;
    }

    @Override
    public void find(String text, List<Finding> out) {
        int first = out.size();
        for (Rule r : rules) {
            if (!r.mayMatch(text)) {
                continue;
            }
            Matcher m = r.pattern().matcher(text);
            while (m.find()) {
                add(out, first, new Finding(r.kind(), m.start(), m.end()));
            }
        }
        if (entropyBits > 0) {
            // Runs of key-like characters, found in one pass (the regex equivalent restarted inside every word).
            int start = -1;
            for (int i = 0, n = text.length(); i <= n; i++) {
                if (i < n && tokenChar(text.charAt(i))) {
                    if (start < 0) {
                        start = i;
                    }
                } else if (start >= 0) {
                    if (i - start >= MIN_TOKEN && random(text, start, i)) {
                        add(out, first, new Finding("HIGH_ENTROPY_TOKEN", start, i));
                    }
                    start = -1;
                }
            }
        }
    }

    private static void add(List<Finding> out, int from, Finding f) {
        for (int i = from; i < out.size(); i++) {
            if (out.get(i).overlaps(f)) {
                return;
            }
        }
        out.add(f);
    }

    /**
     * Upper case, lower case and digits all present (hex digests and words are not secrets) and
     * enough bits per character.
     */
    private boolean random(String text, int start, int end) {
        boolean upper = false;
        boolean lower = false;
        boolean digit = false;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            upper |= c >= 'A' && c <= 'Z';
            lower |= c >= 'a' && c <= 'z';
            digit |= c >= '0' && c <= '9';
        }
        return upper && lower && digit && Checksums.entropy(text, start, end) >= entropyBits;
    }
}
