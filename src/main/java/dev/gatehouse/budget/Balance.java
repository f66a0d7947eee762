package dev.gatehouse.budget;

/** Where a budget stands in its current period (micro-USD). */
public record Balance(long periodStart, long periodEnd, long spent, long reserved, long limit) {
    public long remaining() {
        return Math.max(0, limit - spent - reserved);
    }
}
