package dev.gatehouse.config;

import java.time.Duration;
import java.util.List;

/**
 * The {@code budgets} section.
 *
 * @param alertWebhook URL that receives a JSON POST when a budget crosses a threshold, or null (log only)
 * @param alertThresholds percentages of the limit that raise an alert, once per period each (default 80, 100)
 * @param defaultMaxOutputTokens the worst-case answer length reserved when neither the request
 *     ({@code max_tokens}) nor the pricing catalogue says how long an answer can be
 * @param alertTimeout deadline of one webhook delivery
 */
public record BudgetsConfig(String alertWebhook, List<Integer> alertThresholds, int defaultMaxOutputTokens, Duration alertTimeout) {
    public static final BudgetsConfig DEFAULTS = new BudgetsConfig(null, List.of(80, 100), 4096, Duration.ofSeconds(5));

    public BudgetsConfig {
        alertThresholds = List.copyOf(alertThresholds).stream().distinct().sorted().toList();
    }
}
