package dev.gatehouse.canonical;

/**
 * Token counts of one answer. {@code cachedInputTokens} and {@code reasoningTokens} are subsets of
 * input and output tokens respectively, as OpenAI reports them; {@code cacheWriteTokens} is
 * Anthropic's cache creation count. Every count is exact when the provider reported it.
 */
public record Usage(long inputTokens, long outputTokens, long cachedInputTokens, long cacheWriteTokens, long reasoningTokens) {

    public static final Usage ZERO = new Usage(0, 0, 0, 0, 0);

    public static Usage of(long input, long output) {
        return new Usage(input, output, 0, 0, 0);
    }

    public long totalTokens() {
        return inputTokens + outputTokens;
    }
}
