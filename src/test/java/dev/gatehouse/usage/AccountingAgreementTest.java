package dev.gatehouse.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.pricing.Pricing;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import dev.gatehouse.testing.GatewayHarness;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 6's "done when": after traffic through several keys, teams and models — streamed and
 * not, OpenAI and Anthropic callers, with fallbacks and a failed call — the analytics API, the
 * Prometheus metrics and the usage the fake upstreams reported agree to the token and the
 * micro-unit.
 */
class AccountingAgreementTest {
    private static final Map<String, String> UPSTREAM_MODEL = Map.of("a", "gpt-4o", "b", "gpt-4o-mini", "c", "gpt-4.1");

    @Test
    void analyticsPrometheusAndUpstreamUsageAgreeToTheTokenAndTheMicroUnit() throws Exception {
        try (FakeOpenAi a = FakeOpenAi.start(); FakeOpenAi b = FakeOpenAi.start(); FakeOpenAi c = FakeOpenAi.start();
                FakeOpenAi d = FakeOpenAi.start()) {
            d.noUsage().answer("An upstream that reports no usage: the gateway estimates it.");
            String config = """
                    providers:
                      a: {kind: openai, base-url: "%s", api-key: %s}
                      b: {kind: openai, base-url: "%s", api-key: %s}
                      c: {kind: openai, base-url: "%s", api-key: %s}
                      d: {kind: openai, base-url: "%s", api-key: %s}
                    routing:
                      retries: {same-target: 0}
                      circuit-breaker: {consecutive-failures: 1000, failure-rate: 100, window: 10000}
                    models:
                      pair:
                        targets: [{provider: a, model: gpt-4o}, {provider: b, model: gpt-4o-mini}]
                      solo:
                        targets: [{provider: c, model: gpt-4.1}]
                      bare:
                        targets: [{provider: d, model: gpt-4o-mini}]
                    request-log:
                      flush-interval: 50ms
                    """.formatted(a.baseUrl(), FakeOpenAi.DEFAULT_KEY, b.baseUrl(), FakeOpenAi.DEFAULT_KEY, c.baseUrl(),
                    FakeOpenAi.DEFAULT_KEY, d.baseUrl(), FakeOpenAi.DEFAULT_KEY);
            try (GatewayHarness gateway = GatewayHarness.start(config)) {
                AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
                List<String> keys = new ArrayList<>();
                for (String team : new String[] {"red", "blue", "green"}) {
                    String teamId = master.ok("POST", "/teams", "{\"name\":\"" + team + "\"}").text("id");
                    for (int u = 0; u < 2; u++) {
                        String user = master.ok("POST", "/users", "{\"name\":\"" + team + u + "\",\"team_id\":\"" + teamId
                                + "\",\"role\":\"member\"}").text("id");
                        keys.add(master.ok("POST", "/keys", "{\"owner_id\":\"" + user + "\"}").text("key"));
                    }
                }

                long requests = 0;
                long input = 0;
                long output = 0;
                long cached = 0;
                long reasoning = 0;
                long cost = 0;
                for (int i = 0; i < 24; i++) {
                    String model = i % 3 == 0 ? "solo" : "pair";
                    boolean stream = i % 2 == 1;
                    boolean anthropicCaller = i % 5 == 4;
                    int prompt = 40 + 7 * i;
                    int completion = 5 + 3 * i;
                    int cachedTokens = anthropicCaller ? 0 : (i % 4) * 8;
                    int reasoningTokens = anthropicCaller ? 0 : i % 3;
                    for (FakeOpenAi fake : List.of(a, b, c)) {
                        fake.usage(prompt, completion, cachedTokens, reasoningTokens);
                    }
                    if ("pair".equals(model) && i % 4 == 1) {
                        a.failNext(1, Fault.error(503, "server_error", "overloaded", "The server is overloaded.", null));
                    }
                    HttpResponse<String> response = call(gateway, keys.get(i % keys.size()), model, stream, anthropicCaller);
                    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                    String provider = response.headers().firstValue("x-gatehouse-provider").orElseThrow();
                    Usage reported = new Usage(prompt, completion, cachedTokens, 0, reasoningTokens);
                    requests++;
                    input += prompt;
                    output += completion;
                    cached += cachedTokens;
                    reasoning += reasoningTokens;
                    cost += Pricing.cost(Pricing.shipped().price(model, UPSTREAM_MODEL.get(provider)), reported);
                }
                assertThat(b.requestCount()).as("fallbacks happened").isPositive();
                // One call no target can serve: counted as a request everywhere, no tokens, no cost.
                c.failNext(1, Fault.error(500, "server_error", "internal", "boom", null));
                assertThat(call(gateway, keys.get(0), "solo", false, false).statusCode()).isGreaterThanOrEqualTo(500);
                requests++;
                // Calls whose upstream reports no usage: the request log estimates their tokens with a
                // tokenizer; Prometheus must count the same estimate, or the two drift apart.
                List<String> estimatedIds = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    HttpResponse<String> response = call(gateway, keys.get(i + 1), "bare", i == 1, i == 2);
                    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                    estimatedIds.add(response.headers().firstValue("x-request-id").orElseThrow());
                    requests++;
                }
                RequestLogStore store = gateway.gatehouse().requestLogging().store();
                long estimatedInput = 0;
                long estimatedOutput = 0;
                long estimatedCost = 0;
                for (String id : estimatedIds) {
                    RequestRecord r = awaitRecord(store, id);
                    assertThat(r.usageEstimated()).isTrue();
                    assertThat(r.inputTokens()).isPositive();
                    assertThat(r.outputTokens()).isPositive();
                    assertThat(r.costMicros()).isEqualTo(Pricing.cost(Pricing.shipped().price("bare", "gpt-4o-mini"),
                            Usage.of(r.inputTokens(), r.outputTokens())));
                    estimatedInput += r.inputTokens();
                    estimatedOutput += r.outputTokens();
                    estimatedCost += r.costMicros();
                }

                // Wait (bounded) until the request-log writer flushed and the metrics counted every call.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                JsonNode summary = master.ok("GET", "/usage/summary?bucket=day", null).json();
                String metrics = metrics(gateway);
                while ((total(summary, "requests") < requests || sample(metrics, "gatehouse_requests_total").longValueExact() < requests)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                    summary = master.ok("GET", "/usage/summary?bucket=day", null).json();
                    metrics = metrics(gateway);
                }

                // The analytics API agrees with the upstreams' reports (plus the estimates where none came).
                input += estimatedInput;
                output += estimatedOutput;
                cost += estimatedCost;
                assertThat(total(summary, "requests")).isEqualTo(requests);
                assertThat(total(summary, "errors")).isEqualTo(1);
                assertThat(total(summary, "input_tokens")).isEqualTo(input);
                assertThat(total(summary, "output_tokens")).isEqualTo(output);
                assertThat(total(summary, "cached_tokens")).isEqualTo(cached);
                assertThat(total(summary, "reasoning_tokens")).isEqualTo(reasoning);
                assertThat(total(summary, "cost_micros")).isPositive().isEqualTo(cost);
                // Grouped differently, the same totals (the per-team and per-model rollups add up).
                for (String group : new String[] {"team", "key", "model", "provider"}) {
                    JsonNode grouped = master.ok("GET", "/usage/summary?bucket=day&group_by=" + group, null).json();
                    assertThat(total(grouped, "requests")).as(group).isEqualTo(requests);
                    assertThat(total(grouped, "input_tokens")).as(group).isEqualTo(input);
                    assertThat(total(grouped, "output_tokens")).as(group).isEqualTo(output);
                    assertThat(total(grouped, "cost_micros")).as(group).isEqualTo(cost);
                }
                assertThat(master.ok("GET", "/usage/summary?bucket=day&group_by=team", null).json().path("rows")).hasSize(3);
                assertThat(master.ok("GET", "/usage/summary?bucket=day&group_by=provider", null).json().path("rows")).hasSize(5); // a, b, c, d and "" (the failed call)

                // Prometheus agrees with both.
                assertThat(sample(metrics, "gatehouse_requests_total").longValueExact()).isEqualTo(requests);
                assertThat(sample(metrics, "gen_ai_client_token_usage_sum", "gen_ai_token_type=\"input\"").longValueExact())
                        .isEqualTo(input);
                assertThat(sample(metrics, "gen_ai_client_token_usage_sum", "gen_ai_token_type=\"output\"").longValueExact())
                        .isEqualTo(output);
                assertThat(sample(metrics, "gatehouse_cost_micros_total").longValueExact()).isEqualTo(cost);
            }
        }
    }

    private static HttpResponse<String> call(GatewayHarness gateway, String key, String model, boolean stream, boolean anthropic) {
        HttpRequest.Builder request;
        if (anthropic) {
            request = HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/messages"))
                    .header("x-api-key", key)
                    .header("anthropic-version", "2023-06-01")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"max_tokens\":100,\"stream\":" + stream
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"How much did that cost?\"}]}"));
        } else {
            request = HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"How much did that cost?\"}]}"));
        }
        return gateway.send(request.header("Content-Type", "application/json").timeout(Duration.ofSeconds(10)));
    }

    private static RequestRecord awaitRecord(RequestLogStore store, String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            RequestRecord r = store.find(requestId);
            if (r != null) {
                return r;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no request log record for " + requestId);
    }

    private static long total(JsonNode summary, String field) {
        long sum = 0;
        for (JsonNode row : summary.path("rows")) {
            sum += row.path(field).asLong();
        }
        return sum;
    }

    private static String metrics(GatewayHarness gateway) {
        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/metrics")).GET());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The sum of every sample of {@code name} whose labels contain all of {@code labels}, exactly (no float sums). */
    private static BigDecimal sample(String text, String name, String... labels) {
        BigDecimal found = BigDecimal.ZERO;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                all &= line.contains(label);
            }
            if (all) {
                found = found.add(new BigDecimal(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return found.stripTrailingZeros();
    }
}
