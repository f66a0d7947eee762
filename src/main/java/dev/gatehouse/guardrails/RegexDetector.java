package dev.gatehouse.guardrails;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Custom patterns by label: each match is a finding of that label (and its placeholder's name). */
final class RegexDetector implements Detector {
    private final List<Map.Entry<String, Pattern>> patterns = new ArrayList<>();

    RegexDetector(Map<String, String> patterns) {
        patterns.forEach((label, regex) -> this.patterns.add(Map.entry(label, Pattern.compile(regex))));
    }

    @Override
    public void find(String text, List<Finding> out) {
        for (Map.Entry<String, Pattern> p : patterns) {
            Matcher m = p.getValue().matcher(text);
            while (m.find()) {
                if (m.end() > m.start()) {
                    out.add(new Finding(p.getKey(), m.start(), m.end()));
                }
            }
        }
    }
}
