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
 * @param reservationLease how long a reservation held in Redis lives unless its call settles it:
 *     what a node killed mid-call holds back from the other nodes, at most
 */
public record BudgetsConfig(String alertWebhook, List<Integer> alertThresholds, int defaultMaxOutputTokens, Duration alertTimeout,
        Duration reservationLease) {
    public static final Duration DEFAULT_RESERVATION_LEASE = Duration.ofMinutes(15);
    public static final BudgetsConfig DEFAULTS = new BudgetsConfig(null, List.of(80, 100), 4096, Duration.ofSeconds(5));

    public BudgetsConfig(String alertWebhook, List<Integer> alertThresholds, int defaultMaxOutputTokens, Duration alertTimeout) {
        this(alertWebhook, alertThresholds, defaultMaxOutputTokens, alertTimeout, DEFAULT_RESERVATION_LEASE);
    }

    public BudgetsConfig {
        reservationLease = reservationLease == null ? DEFAULT_RESERVATION_LEASE : reservationLease;
        alertThresholds = List.copyOf(alertThresholds).stream().distinct().sorted().toList();
    }
}
