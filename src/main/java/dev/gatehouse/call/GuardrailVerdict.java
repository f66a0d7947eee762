package dev.gatehouse.call;

import java.util.List;

/**
 * What one guardrail decided about one call, for the response header, the request log, metrics
 * and traces. Never holds the values it found: only their kinds ({@code EMAIL}, {@code AWS_ACCESS_KEY}).
 *
 * @param stage "input" or "output"
 * @param outcome passed, blocked, masked, flagged, or error (could not decide; on-error then applied)
 * @param kinds the kinds of what was found, without duplicates
 */
public record GuardrailVerdict(String guardrail, String stage, String outcome, List<String> kinds, long nanos) {
    public GuardrailVerdict {
        kinds = List.copyOf(kinds);
    }

    /** Whether the guardrail did something (blocked, masked, flagged or failed). */
    public boolean acted() {
        return !"passed".equals(outcome);
    }
}
