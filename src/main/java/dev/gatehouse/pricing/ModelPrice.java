package dev.gatehouse.pricing;

/**
 * What one model costs, in integer micro-units of USD (1 USD = 1,000,000 micro-units).
 * Token prices are per <em>million</em> tokens, so "$0.15 per 1M tokens" is {@code 150_000} and a
 * single token's share stays exact until the one division in {@link Pricing#cost}.
 *
 * @param input uncached input tokens, micro-USD per 1M tokens
 * @param cachedInput input tokens read from the provider's prompt cache
 * @param cacheWrite input tokens written to the prompt cache
 * @param output output tokens
 * @param reasoning reasoning tokens (a subset of output tokens)
 * @param perImage micro-USD per generated image (0 when not an image model)
 * @param maxOutputTokens the model's largest possible answer (0: unknown); the worst case when a request sets none
 * @param contextTokens the model's context window (0: unknown); caps input estimates
 */
public record ModelPrice(
        long input, long cachedInput, long cacheWrite, long output, long reasoning, long perImage,
        int maxOutputTokens, int contextTokens) {

    /** For models nobody priced: free, so cost is 0 and budgets do not stop them (a warning is logged). */
    public static final ModelPrice UNKNOWN = new ModelPrice(0, 0, 0, 0, 0, 0, 0, 0);

    public ModelPrice {
        if (input < 0 || cachedInput < 0 || cacheWrite < 0 || output < 0 || reasoning < 0 || perImage < 0
                || maxOutputTokens < 0 || contextTokens < 0) {
            throw new IllegalArgumentException("prices and limits must not be negative");
        }
    }

    /** Only input and output prices; cache reads/writes cost as input, reasoning as output. */
    public static ModelPrice of(long inputPerMillion, long outputPerMillion) {
        return new ModelPrice(inputPerMillion, inputPerMillion, inputPerMillion, outputPerMillion, outputPerMillion, 0, 0, 0);
    }
}
