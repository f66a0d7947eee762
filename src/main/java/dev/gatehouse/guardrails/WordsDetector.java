package dev.gatehouse.guardrails;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Word and topic lists. Deny: any listed word or phrase (whole words, any case) is a finding that
 * can be masked. Allow: a prompt must mention at least one listed topic, else the whole text is
 * off topic (judged on input only: an answer is read in pieces and its topic is the prompt's).
 */
final class WordsDetector implements Detector {
    private final Pattern deny;
    private final Pattern allow;
    private final boolean input;

    WordsDetector(List<String> deny, List<String> allow, boolean input) {
        this.deny = alternation(deny);
        this.allow = alternation(allow);
        this.input = input;
    }

    private static Pattern alternation(List<String> words) {
        if (words.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder("(?<![\\p{L}\\p{N}])(?:");
        for (int i = 0; i < words.size(); i++) {
            b.append(i == 0 ? "" : "|").append(Pattern.quote(words.get(i)));
        }
        return Pattern.compile(b.append(")(?![\\p{L}\\p{N}])").toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    @Override
    public void find(String text, List<Finding> out) {
        if (deny != null) {
            Matcher m = deny.matcher(text);
            while (m.find()) {
                out.add(new Finding("DENIED_WORD", m.start(), m.end()));
            }
        }
    }

    /** Whether the texts together stay on an allowed topic (always true without an allow list). */
    boolean onTopic(List<String> texts) {
        if (allow == null || !input) {
            return true;
        }
        for (String t : texts) {
            if (allow.matcher(t).find()) {
                return true;
            }
        }
        return false;
    }
}
