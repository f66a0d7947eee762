package dev.gatehouse.budget;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.config.Micros;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Budget threshold alerts: a WARN log line always, and a JSON POST to the configured webhook.
 * Delivery runs on its own virtual threads with a deadline; the request path only hands over the
 * event. One attempt per alert: a down receiver loses the POST but never the log line.
 */
public final class BudgetAlerts implements LedgerEvents, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BudgetAlerts.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String webhook;
    private final Duration timeout;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;

    /** @param webhook URL or null for log only */
    public BudgetAlerts(String webhook, Duration timeout) {
        this.webhook = webhook;
        this.timeout = timeout;
        this.http = webhook == null ? null : HttpClient.newBuilder().connectTimeout(timeout).executor(executor).build();
    }

    @Override
    public void spendChanged(Budget budget, long periodStart, long spent, int alertedPercent) {}

    @Override
    public void thresholdCrossed(Budget budget, int percent, long periodStart, long spent) {
        LOG.warn("budget alert: {} budget '{}' ({}{}) reached {}% of its {} limit: spent {} of {} USD in the period from {}",
                budget.scope().wire(), budget.name() == null ? budget.id() : budget.name(), budget.id(),
                budget.subject() == null ? "" : ", " + budget.scope().wire() + " " + budget.subject(), percent,
                budget.period().wire(), Micros.format(spent), Micros.format(budget.limitMicros()), Instant.ofEpochMilli(periodStart));
        if (http == null) {
            return;
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("type", "budget.threshold");
        body.put("budget_id", budget.id());
        body.put("budget_name", budget.name());
        body.put("scope", budget.scope().wire());
        body.put("subject", budget.subject());
        body.put("period", budget.period().wire());
        body.put("period_start", Instant.ofEpochMilli(periodStart).toString());
        body.put("threshold_percent", percent);
        body.put("spent_micros", spent);
        body.put("limit_micros", budget.limitMicros());
        body.put("spent_usd", Micros.format(spent));
        body.put("limit_usd", Micros.format(budget.limitMicros()));
        body.put("currency", "USD");
        body.put("at", Instant.now().toString());
        HttpRequest request = HttpRequest.newBuilder(URI.create(webhook)).timeout(timeout)
                .header("Content-Type", "application/json").header("User-Agent", "gatehouse-budget-alerts")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            if (error != null) {
                LOG.warn("budget alert webhook {} failed: {}", webhook, error.toString());
            } else if (response.statusCode() >= 300) {
                LOG.warn("budget alert webhook {} answered {}", webhook, response.statusCode());
            }
        });
    }

    @Override
    public void close() {
        executor.shutdown();
    }
}
