package dev.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.TestRedis;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The Redis outage policies on one gateway whose Redis sits behind a {@link TcpProxy} the test
 * takes down: {@code fail-closed} answers 503; {@code local} (expected-nodes 2) admits exactly this
 * node's half and then refuses as the shared state would, and after Redis is back the node counts
 * in Redis again, with what it admitted locally (rate-limit calls, budget spend) charged there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisOutagePolicyTest {
    static final ObjectMapper JSON = new ObjectMapper();
    FakeOpenAi fake;
    TcpProxy localProxy;
    TcpProxy closedProxy;
    GatewayHarness local;
    GatewayHarness closed;
    final List<String> cleanup = new ArrayList<>();

    @BeforeAll
    void start() throws IOException {
        TestRedis.client().shutdown(); // fail fast if Redis is not running
        RedisURI redis = RedisURI.create(TestRedis.url());
        fake = FakeOpenAi.start();
        localProxy = new TcpProxy(redis.getHost(), redis.getPort());
        closedProxy = new TcpProxy(redis.getHost(), redis.getPort());
        local = GatewayHarness.start(config(localProxy, """
                  expected-nodes: 2
                  on-outage: {rate-limits: local, budgets: local}
                """));
        closed = GatewayHarness.start(config(closedProxy, "  on-outage: {rate-limits: fail-closed}\n"));
    }

    private String config(TcpProxy proxy, String outage) {
        String prefix = "outage-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        return """
                providers:
                  fake: {kind: openai, base-url: "%s", api-key: %s}
                models:
                  metered:
                    pricing: {input: 0, output: 1.00}
                    targets: [{provider: fake, model: gpt-4o-mini}]
                redis:
                  url: "redis://127.0.0.1:%d"
                  key-prefix: "%s"
                """.formatted(fake.baseUrl(), FakeOpenAi.DEFAULT_KEY, proxy.port(), prefix) + outage;
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {local, closed, localProxy, closedProxy, fake}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // best effort
            }
        }
    }

    @AfterEach
    void removeWhatTheTestCreated() {
        localProxy.up();
        closedProxy.up();
        for (String entry : cleanup) {
            int at = entry.indexOf(' ');
            GatewayHarness g = entry.startsWith("local") ? local : closed;
            g.send(HttpRequest.newBuilder(URI.create(g.origin() + entry.substring(at + 1)))
                    .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).DELETE());
        }
        cleanup.clear();
        fake.reset();
    }

    private JsonNode admin(GatewayHarness g, String path, String body) throws IOException {
        HttpResponse<String> r = g.post("/admin/v1" + path, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode created = JSON.readTree(r.body());
        cleanup.add((g == local ? "local" : "closed") + " /admin/v1" + path + "/" + created.get("id").asText());
        return created;
    }

    private static HttpResponse<String> chat(GatewayHarness g, int maxTokens) {
        return g.post("/v1/chat/completions", """
                {"model":"metered","max_tokens":%d,"messages":[{"role":"user","content":"hi"}]}""".formatted(maxTokens));
    }

    private static double metric(GatewayHarness g, String line) {
        for (String l : g.get("/metrics").body().split("\n")) {
            if (l.startsWith(line + " ")) {
                return Double.parseDouble(l.substring(line.length() + 1).trim());
            }
        }
        return Double.NaN;
    }

    /** Waits until the gateway's fallback gauge reads {@code value}. */
    private static void awaitFallback(GatewayHarness g, int value) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (metric(g, "gatehouse_redis_fallback_active") != value && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(metric(g, "gatehouse_redis_fallback_active")).isEqualTo(value);
    }

    @Test
    void failClosedRefusesLimitedAndBudgetedCallsWith503() throws Exception {
        fake.usage(1, 10, 0, 0);
        admin(closed, "/rate-limits", """
                {"scope":"model","subject":"metered","rpm":100}""");
        assertThat(chat(closed, 10).statusCode()).isEqualTo(200);
        closedProxy.down();
        HttpResponse<String> refused = chat(closed, 10);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(refused.body()).contains("rate_limit_unavailable");
        assertThat(metric(closed, "gatehouse_redis_fallback_active")).isNaN(); // no local policy, no gauge
        closedProxy.up();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int status;
        do {
            Thread.sleep(100);
            status = chat(closed, 10).statusCode();
        } while (status != 200 && System.nanoTime() < deadline);
        assertThat(status).isEqualTo(200);
    }

    @Test
    void failClosedBudgetsAnswer503() throws Exception {
        fake.usage(1, 10, 0, 0);
        admin(closed, "/budgets", """
                {"scope":"org","period":"day","limit_micros":1000}""");
        assertThat(chat(closed, 10).statusCode()).isEqualTo(200);
        closedProxy.down();
        HttpResponse<String> refused = chat(closed, 10);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
    }

    @Test
    void localRateLimitAdmitsThisNodesShareThenChargesItToRedis() throws Exception {
        fake.usage(1, 5, 0, 0);
        admin(local, "/rate-limits", """
                {"scope":"model","subject":"metered","rpm":6}""");
        assertThat(chat(local, 5).statusCode()).isEqualTo(200); // shared: 5 of 6 left in Redis
        localProxy.down();
        // Two nodes expected: this one may pass 6 / 2 = 3 on its own, then refuses with a 429.
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = chat(local, 5);
            assertThat(r.statusCode()).as("local call %d: %s", i, r.body()).isEqualTo(200);
        }
        HttpResponse<String> refused = chat(local, 5);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(refused.body()).contains("rate_limit_exceeded");
        assertThat(metric(local, "gatehouse_redis_fallback_active")).isEqualTo(1.0);
        assertThat(metric(local, "gatehouse_redis_fallback_admitted_total{kind=\"rate_limits\"}")).isGreaterThanOrEqualTo(3.0);

        localProxy.up();
        awaitFallback(local, 0);
        // Shared again, and the 3 calls admitted locally were charged to Redis at recovery: of the 5
        // it had left, 2 remain for the whole cluster (without the charge, 5 more would pass here).
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = chat(local, 5);
            assertThat(r.statusCode()).as("shared call %d: %s", i, r.body()).isEqualTo(200);
        }
        assertThat(chat(local, 5).statusCode()).isEqualTo(429);
    }

    @Test
    void localBudgetSpendsThisNodesShareOfWhatWasLeftThenSettlesIntoRedis() throws Exception {
        fake.usage(1, 100, 0, 0); // each call costs exactly 100 micro-USD
        JsonNode budget = admin(local, "/budgets", """
                {"scope":"org","period":"day","limit_micros":500}""");
        String id = budget.get("id").asText();
        assertThat(chat(local, 100).statusCode()).isEqualTo(200); // 400 left when Redis was last seen
        awaitSpent(id, 100);
        localProxy.down();
        // This node's share: 400 / 2 = 200, so two calls of 100, then the refusal budgets give.
        assertThat(chat(local, 100).statusCode()).isEqualTo(200);
        assertThat(chat(local, 100).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = chat(local, 100);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(refused.body()).contains("insufficient_quota");
        assertThat(metric(local, "gatehouse_redis_fallback_admitted_total{kind=\"budgets\"}")).isGreaterThanOrEqualTo(2.0);

        localProxy.up();
        awaitFallback(local, 0);
        // The 200 spent locally is now in Redis: 300 spent, so exactly two more calls fit.
        awaitSpent(id, 300);
        assertThat(chat(local, 100).statusCode()).isEqualTo(200);
        assertThat(chat(local, 100).statusCode()).isEqualTo(200);
        assertThat(chat(local, 100).statusCode()).isEqualTo(429);
        awaitSpent(id, 500);
    }

    @Test
    void aCallReservedInRedisThatEndsDuringTheOutageIsSettledAfterIt() throws Exception {
        fake.usage(1, 100, 0, 0).headDelay(Duration.ofMillis(1500));
        String id = admin(local, "/budgets", """
                {"scope":"org","period":"day","limit_micros":1000}""").get("id").asText();
        CompletableFuture<HttpResponse<String>> slow =
                CompletableFuture.supplyAsync(() -> chat(local, 100));
        Thread.sleep(500); // reserved in Redis, waiting for the provider
        localProxy.down();
        assertThat(slow.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        awaitFallback(local, 1);
        localProxy.up();
        awaitFallback(local, 0);
        // Its reservation released and its cost charged in Redis, not held until the lease ends.
        awaitSpent(id, 100);
    }

    private void awaitSpent(String id, long spent) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long now = -1;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = local.get("/admin/v1/budgets/" + id);
            if (r.statusCode() == 200) {
                JsonNode b = JSON.readTree(r.body());
                now = b.at("/current/spent_micros").asLong();
                if (now == spent && b.at("/current/reserved_micros").asLong() == 0) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        assertThat(now).isEqualTo(spent);
    }
}
