package dev.gatehouse.guardrails;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The PII detector looks for numeric kinds and IBANs only in the parts of a text where they can
 * be (runs of digits, a word starting with two capitals and two digits). It must find exactly
 * what its patterns find when run over the whole text: compared here on generated texts full of
 * near-misses (numbers next to letters, dashes, dots, plus signs, brackets, capitals).
 */
class PiiRegionsTest {
    private static final Map<String, Pattern> ORDER = new LinkedHashMap<>();

    static {
        ORDER.put("credit-card", PiiDetector.CARD);
        ORDER.put("iban", PiiDetector.IBAN);
        ORDER.put("ssn", PiiDetector.SSN);
        ORDER.put("ip", PiiDetector.IPV4);
        ORDER.put("ipv6", PiiDetector.IPV6);
        ORDER.put("phone", PiiDetector.PHONE);
    }

    /** The patterns over the whole text, in the detector's order, without the e-mail rule. */
    static List<Finding> reference(String text) {
        List<Finding> out = new ArrayList<>();
        for (Map.Entry<String, Pattern> rule : ORDER.entrySet()) {
            Matcher m = rule.getValue().matcher(text);
            while (m.find()) {
                String kind = PiiDetector.confirm(rule.getKey(), text, m.start(), m.end());
                Finding f = new Finding(kind, m.start(), m.end());
                if (kind != null && out.stream().noneMatch(o -> o.overlaps(f))) {
                    out.add(f);
                }
            }
        }
        return out;
    }

    @Test
    void regionsFindWhatTheWholeTextWouldGive() {
        PiiDetector detector = new PiiDetector(List.of("credit-card", "iban", "ssn", "ip", "phone"), Map.of());
        String[] pieces = {"4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "078-05-1120", "192.168.1.20",
            "10.0.0.256", "+1 (415) 555-2671", "(030) 1234 5678", "+44 20 7946 0958", "DE89 3704 0044 0532 0130 00",
            "GB82WEST12345698765432", "2001:db8::1", "v1.2.3.4", "x4111111111111111", "order 12345678", "-", ".", "+", "(",
            ")", " ", "a", "Z", "QQ12", "12", "2026-12-06", "1.5", "ID", "AB12 CD", "5500 0000 0000 0004."};
        SplittableRandom random = new SplittableRandom(7);
        for (int n = 0; n < 3000; n++) {
            StringBuilder text = new StringBuilder();
            int parts = 1 + random.nextInt(8);
            for (int p = 0; p < parts; p++) {
                text.append(pieces[random.nextInt(pieces.length)]);
                if (random.nextBoolean()) {
                    text.append(random.nextBoolean() ? " " : "");
                }
            }
            String t = text.toString();
            List<Finding> found = new ArrayList<>();
            detector.find(t, found);
            assertThat(found).as(t).containsExactlyInAnyOrderElementsOf(reference(t));
        }
    }
}
