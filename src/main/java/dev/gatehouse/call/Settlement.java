package dev.gatehouse.call;

import dev.gatehouse.canonical.Usage;

/**
 * A finished call's final usage and cost, fixed once when the call ends (see
 * {@code pricing.Settler}) and read by everyone who accounts for it: the budget ledger, the rate
 * limiter's token correction, the request log, metrics and traces. One object, so that they can
 * never disagree, e.g. when the provider reported no usage and the tokens had to be estimated.
 *
 * @param usage the provider's reported usage, else the tokenizer's estimate, else null (no tokens known)
 * @param estimated whether {@code usage} is an estimate rather than the provider's report
 * @param costMicros what the call costs in micro-USD on the model that answered (0 when none did)
 */
public record Settlement(Usage usage, boolean estimated, long costMicros) {
    /** Nothing answered or nothing is known: no tokens, no cost. */
    public static final Settlement NONE = new Settlement(null, false, 0);

    public long totalTokens() {
        return usage == null ? 0 : usage.totalTokens();
    }
}
