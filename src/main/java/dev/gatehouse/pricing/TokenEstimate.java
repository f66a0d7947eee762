package dev.gatehouse.pricing;

/**
 * Input-token estimates from the request size alone, so admission never tokenizes on the event
 * loop. Why not a tokenizer (jtokkit): it knows OpenAI's encodings only, while the call may be
 * answered by Claude, Gemini or Mistral, whose tokenizers count differently; it costs CPU per
 * request on the hot path; and both uses below are corrected or bounded anyway.
 * <ul>
 *   <li>{@link #typical}: about 4 bytes per token (English text plus JSON framing) — for
 *       tokens-per-minute limits, which are corrected with the provider's exact count when the
 *       call ends.</li>
 *   <li>{@link #atMost}: one token per byte — a true upper bound for byte-level BPE tokenizers
 *       (every token covers at least one byte), capped by the model's context window — for budget
 *       reservations, which must never be less than what the call can cost.</li>
 * </ul>
 */
public final class TokenEstimate {
    private TokenEstimate() {}

    public static long typical(long requestBytes) {
        return Math.ceilDiv(Math.max(0, requestBytes), 4);
    }

    /** @param contextTokens the model's context window, 0 when unknown */
    public static long atMost(long requestBytes, int contextTokens) {
        long bytes = Math.max(0, requestBytes);
        return contextTokens > 0 ? Math.min(bytes, contextTokens) : bytes;
    }
}
