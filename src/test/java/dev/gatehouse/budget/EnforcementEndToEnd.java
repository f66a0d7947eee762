package dev.gatehouse.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.usage.RequestLogStore;
import dev.gatehouse.usage.RequestRecord;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Budgets and rate limits through the running gateway, called with the official openai-java SDK
 * (and raw HTTP where headers matter), against FakeOpenAi with usage the test controls. The model
 * {@code metered} costs exactly 1 micro-USD per output token and nothing per input token, so a
 * call with {@code max_tokens: 100} answering 100 tokens reserves and costs exactly 100 micro-USD.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class EnforcementEndToEnd {
    static final ObjectMapper JSON = new ObjectMapper();
    FakeOpenAi fake;
    GatewayHarness gateway;
    OpenAIClient client;
    HttpServer webhook;
    final List<JsonNode> alerts = new CopyOnWriteArrayList<>();
    final List<String> cleanup = new ArrayList<>();

    /** Extra config (e.g. the redis section) appended to the test's config. */
    abstract String extraConfig();

    @BeforeAll
    void start() throws IOException {
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/alerts", exchange -> {
            alerts.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        webhook.start();
        fake = FakeOpenAi.start();
        gateway = GatewayHarness.start("""
                providers:
                  fake: {kind: openai, base-url: "%s", api-key: %s}
                models:
                  metered:
                    pricing: {input: 0, output: 1.00}
                    targets: [{provider: fake, model: gpt-4o-mini}]
                  estimated:
                    pricing: {input: 3.00, output: 7.00}
                    targets: [{provider: fake, model: gpt-4o-mini}]
                budgets:
                  alert-webhook: http://127.0.0.1:%d/alerts
                """.formatted(fake.baseUrl(), FakeOpenAi.DEFAULT_KEY, webhook.getAddress().getPort()) + extraConfig());
        client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(30)).maxRetries(0).build();
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (fake != null) {
            fake.close();
        }
        if (webhook != null) {
            webhook.stop(0);
        }
    }

    @AfterEach
    void removeWhatTheTestCreated() {
        for (String path : cleanup) {
            gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + path))
                    .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).DELETE());
        }
        cleanup.clear();
        fake.reset();
        fake.clearFaults();
    }

    // ---- helpers ----

    JsonNode admin(String path, String body) throws IOException {
        HttpResponse<String> r = gateway.post("/admin/v1" + path, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode created = JSON.readTree(r.body());
        cleanup.add("/admin/v1" + path + "/" + created.get("id").asText());
        return created;
    }

    JsonNode budget(String id) throws IOException {
        HttpResponse<String> r = gateway.get("/admin/v1/budgets/" + id);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** Settlement may land just after the response (asynchronous in Redis): wait for the value. */
    JsonNode awaitSpent(String id, long spent) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonNode b = budget(id);
        while ((b.at("/current/spent_micros").asLong() != spent || b.at("/current/reserved_micros").asLong() != 0)
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
            b = budget(id);
        }
        return b;
    }

    ChatCompletionCreateParams params(long maxTokens) {
        return ChatCompletionCreateParams.builder().model("metered").addUserMessage("How much does this cost?")
                .maxCompletionTokens(maxTokens).build();
    }

    HttpResponse<String> rawChat(int maxTokens) {
        return gateway.post("/v1/chat/completions", """
                {"model":"metered","max_tokens":%d,"messages":[{"role":"user","content":"hi"}]}""".formatted(maxTokens));
    }

    /** Runs {@code n} calls at once; returns how many succeeded (the others must be 429 insufficient_quota). */
    int concurrently(int n, Supplier<Boolean> call) throws Exception {
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return call.get();
                }));
            }
            go.countDown();
            int ok = 0;
            for (Future<Boolean> f : results) {
                ok += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
            }
            return ok;
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- budgets ----

    @Test
    void twoHundredConcurrentCallsAgainstABudgetForFiftyNonStreaming() throws Exception {
        fake.usage(10, 100, 0, 0).headDelay(Duration.ofMillis(100));
        JsonNode b = admin("/budgets", """
                {"scope":"org","period":"month","limit_micros":5000,"name":"fifty calls"}""");
        List<String> refusals = new CopyOnWriteArrayList<>();
        int ok = concurrently(200, () -> {
            try {
                ChatCompletion c = client.chat().completions().create(params(100));
                return c.usage().orElseThrow().completionTokens() == 100;
            } catch (RateLimitException e) {
                refusals.add(e.getMessage());
                return false;
            }
        });
        assertThat(ok).isEqualTo(50);
        assertThat(refusals).hasSize(150).allSatisfy(m -> assertThat(m).contains("does not cover this request"));
        JsonNode after = awaitSpent(b.get("id").asText(), 5000);
        assertThat(after.at("/current/spent_micros").asLong()).isEqualTo(5000);
        assertThat(after.at("/current/remaining_micros").asLong()).isZero();
        assertThat(after.at("/current/spent_usd").asText()).isEqualTo("0.005000");
        assertThat(fake.requestCount()).isEqualTo(50); // refused calls never reached the provider
    }

    @Test
    void twoHundredConcurrentCallsAgainstABudgetForFiftyStreaming() throws Exception {
        fake.usage(10, 100, 0, 0).chunks(3).chunkDelay(Duration.ofMillis(20));
        JsonNode b = admin("/budgets", """
                {"scope":"org","period":"day","limit_usd":"0.005"}""");
        int ok = concurrently(200, () -> {
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params(100))) {
                return stream.stream().count() > 0;
            } catch (RateLimitException e) {
                assertThat(e.getMessage()).contains("does not cover this request");
                return false;
            }
        });
        assertThat(ok).isEqualTo(50);
        assertThat(awaitSpent(b.get("id").asText(), 5000).at("/current/spent_micros").asLong()).isEqualTo(5000);
    }

    @Test
    void settlementChargesTheUsageTheProviderReported() throws Exception {
        fake.usage(1_000, 37, 0, 0);
        JsonNode b = admin("/budgets", """
                {"scope":"org","period":"week","limit_usd":1}""");
        ChatCompletion c = client.chat().completions().create(params(100)); // reserved 100
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(37);
        JsonNode after = awaitSpent(b.get("id").asText(), 37);
        assertThat(after.at("/current/spent_micros").asLong()).isEqualTo(37);
        assertThat(after.at("/current/reserved_micros").asLong()).isZero();
    }

    /**
     * Issue 11: a call's usage and cost are settled once. When the provider reports no usage the
     * gateway estimates it with a tokenizer; the budget must be charged exactly the estimated cost
     * the request log records (it used to be charged 0), streamed or not, OpenAI or Anthropic caller.
     */
    @Test
    void aCallWithoutReportedUsageIsChargedTheEstimatedCostTheRequestLogRecords() throws Exception {
        fake.noUsage().answer("The provider counts no tokens for this answer, so the gateway estimates them once.");
        JsonNode b = admin("/budgets", """
                {"scope":"org","period":"month","limit_usd":1}""");
        RequestLogStore log = gateway.gatehouse().requestLogging().store();
        long charged = 0;
        for (String caller : List.of("openai", "openai-stream", "anthropic-stream")) {
            String requestId = "settle-" + caller + "-" + System.nanoTime();
            boolean anthropic = caller.startsWith("anthropic");
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.origin()
                            + (anthropic ? "/v1/messages" : "/v1/chat/completions")))
                    .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                    .header("anthropic-version", "2023-06-01")
                    .header("Content-Type", "application/json")
                    .header("x-request-id", requestId)
                    .POST(HttpRequest.BodyPublishers.ofString("""
                            {"model":"estimated","max_tokens":100,"stream":%s,
                             "messages":[{"role":"user","content":"How many tokens did you use for this answer?"}]}"""
                            .formatted(caller.endsWith("stream"))));
            HttpResponse<String> response = gateway.send(request);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

            RequestRecord record = awaitRecord(log, requestId);
            assertThat(record.usageEstimated()).as(caller).isTrue();
            assertThat(record.inputTokens()).as(caller).isPositive();
            assertThat(record.outputTokens()).as(caller).isPositive();
            assertThat(record.costMicros()).as(caller).isEqualTo(3 * record.inputTokens() + 7 * record.outputTokens()) // 3 and 7 micro-USD per token
                    .isPositive();
            charged += record.costMicros();
            JsonNode after = awaitSpent(b.get("id").asText(), charged);
            assertThat(after.at("/current/spent_micros").asLong()).as(caller + ": the budget charged what the log records")
                    .isEqualTo(charged);
            assertThat(after.at("/current/reserved_micros").asLong()).isZero();
        }
    }

    static RequestRecord awaitRecord(RequestLogStore store, String requestId) throws InterruptedException {
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

    @Test
    void anUpstreamFailureReleasesTheReservation() throws Exception {
        fake.failAlways(Fault.serverError());
        JsonNode b = admin("/budgets", """
                {"scope":"org","period":"month","limit_micros":150}""");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = rawChat(100);
            assertThat(r.statusCode()).isGreaterThanOrEqualTo(500);
        }
        JsonNode after = awaitSpent(b.get("id").asText(), 0);
        assertThat(after.at("/current/spent_micros").asLong()).isZero();
        assertThat(after.at("/current/reserved_micros").asLong()).isZero();
        fake.clearFaults();
        assertThat(rawChat(100).statusCode()).isEqualTo(200); // the released money is available again
    }

    @Test
    void anExhaustedBudgetIsA429InsufficientQuotaWithRetryAfter() throws Exception {
        fake.usage(1, 100, 0, 0);
        admin("/budgets", """
                {"scope":"org","period":"day","limit_micros":150}""");
        assertThat(rawChat(100).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = rawChat(100);
        assertThat(refused.statusCode()).isEqualTo(429);
        JsonNode error = JSON.readTree(refused.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo("insufficient_quota");
        assertThat(error.get("code").asText()).isEqualTo("insufficient_quota");
        assertThat(error.get("message").asText()).contains("spent 0.000100").contains("may cost up to 0.000100").contains("resets at");
        long retryAfter = Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 86_400L);
        // A smaller request still fits (and, like a real provider, the fake keeps within max_tokens).
        fake.usage(1, 50, 0, 0);
        assertThat(rawChat(50).statusCode()).isEqualTo(200);
        assertThat(rawChat(1).statusCode()).isEqualTo(429);
    }

    @Test
    void thresholdAlertsReachTheWebhookOncePerThreshold() throws Exception {
        fake.usage(1, 100, 0, 0);
        JsonNode b = admin("/budgets", """
                {"scope":"org","period":"month","limit_micros":1000,"name":"alerting"}""");
        String id = b.get("id").asText();
        for (int i = 0; i < 12; i++) { // 10 fit; the 11th and 12th are refused
            HttpResponse<String> r = rawChat(100);
            assertThat(r.statusCode()).isEqualTo(i < 10 ? 200 : 429);
        }
        awaitSpent(id, 1000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (alertsFor(id).size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(300); // a duplicate would arrive about now
        // Each alert is a webhook call of its own: on a loaded machine the 80 % one can arrive after
        // the 100 % one, so they are compared in threshold order (each exactly once).
        List<JsonNode> mine = alertsFor(id).stream()
                .sorted(java.util.Comparator.comparingInt(a -> a.get("threshold_percent").asInt())).toList();
        assertThat(mine).extracting(a -> a.get("threshold_percent").asInt()).containsExactly(80, 100);
        assertThat(mine.get(0).get("spent_micros").asLong()).isEqualTo(800);
        assertThat(mine.get(1).get("limit_usd").asText()).isEqualTo("0.001000");
        assertThat(mine.get(1).get("budget_name").asText()).isEqualTo("alerting");
    }

    List<JsonNode> alertsFor(String budgetId) {
        return alerts.stream().filter(a -> a.get("budget_id").asText().equals(budgetId)).toList();
    }

    @Test
    void budgetAdminValidatesInput() {
        assertThat(gateway.post("/admin/v1/budgets", "{\"scope\":\"galaxy\",\"limit_usd\":1}").statusCode()).isEqualTo(400);
        assertThat(gateway.post("/admin/v1/budgets", "{\"scope\":\"team\",\"limit_usd\":1}").statusCode()).isEqualTo(400);
        assertThat(gateway.post("/admin/v1/budgets", "{\"scope\":\"org\"}").statusCode()).isEqualTo(400);
        assertThat(gateway.post("/admin/v1/budgets", "{\"scope\":\"org\",\"limit_usd\":\"0.0000001\"}").statusCode()).isEqualTo(400);
        assertThat(gateway.post("/admin/v1/budgets", "{\"scope\":\"org\",\"limit_usd\":1,\"period\":\"hour\"}").statusCode()).isEqualTo(400);
        assertThat(gateway.get("/admin/v1/budgets/nope").statusCode()).isEqualTo(404);
    }

    // ---- rate limits ----

    @Test
    void requestsPerMinuteLimitAnswers429WithRetryAfterAndHeaders() throws Exception {
        admin("/rate-limits", """
                {"scope":"model","subject":"metered","rpm":3}""");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = rawChat(5);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).contains("3");
            assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).contains(Integer.toString(2 - i));
            assertThat(r.headers().firstValue("x-ratelimit-reset-requests").orElseThrow()).matches("\\d+(\\.\\d+)?(ms|s)|\\d+m\\d+s");
        }
        HttpResponse<String> refused = rawChat(5);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow())).isBetween(1L, 60L);
        assertThat(refused.headers().firstValue("x-ratelimit-remaining-requests")).contains("0");
        JsonNode error = JSON.readTree(refused.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo("rate_limit_error");
        assertThat(error.get("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(error.get("message").asText()).contains("3 requests per minute");
        // The SDK sees the same 429 as a RateLimitException.
        try {
            client.chat().completions().create(params(5));
            throw new AssertionError("expected a 429");
        } catch (RateLimitException e) {
            assertThat(e.statusCode()).isEqualTo(429);
        }
    }

    @Test
    void tokensPerMinuteAreCorrectedByTheRealUsage() throws Exception {
        fake.usage(10, 490, 0, 0); // every call really uses 500 tokens
        admin("/rate-limits", """
                {"scope":"model","subject":"metered","tpm":1000}""");
        HttpResponse<String> first = rawChat(5); // estimated at about 30 tokens
        assertThat(first.statusCode()).isEqualTo(200);
        long afterFirstAdmission = Long.parseLong(first.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
        assertThat(afterFirstAdmission).isBetween(950L, 990L);
        HttpResponse<String> second = rawChat(5);
        assertThat(second.statusCode()).isEqualTo(200);
        long afterSecondAdmission = Long.parseLong(second.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
        // The first call was corrected from ~30 to 500 tokens: without the correction this would be ~940.
        assertThat(afterSecondAdmission).isBetween(420L, 520L);
        assertThat(second.headers().firstValue("x-ratelimit-limit-tokens")).contains("1000");
        HttpResponse<String> third = rawChat(5);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(third.body()).at("/error/message").asText()).contains("1000 tokens per minute");
    }

    @Test
    void concurrentRequestLimitAdmitsOnlyThatManyAtOnce() throws Exception {
        fake.usage(1, 5, 0, 0).headDelay(Duration.ofMillis(700));
        JsonNode limit = admin("/rate-limits", """
                {"scope":"model","subject":"metered","concurrent":2}""");
        List<String> codes = new CopyOnWriteArrayList<>();
        int ok = concurrently(6, () -> {
            HttpResponse<String> r = rawChat(5);
            if (r.statusCode() == 429) {
                codes.add(r.body());
            }
            return r.statusCode() == 200;
        });
        assertThat(ok).isEqualTo(2);
        assertThat(codes).hasSize(4).allSatisfy(body -> assertThat(body).contains("concurrency_limit_exceeded"));
        // Slots are freed when calls end.
        JsonNode view = JSON.readTree(gateway.get("/admin/v1/rate-limits/" + limit.get("id").asText()).body());
        assertThat(view.get("in_flight").asInt()).isZero();
        assertThat(rawChat(5).statusCode()).isEqualTo(200);
    }

    @Test
    void rateLimitAdminValidatesInputAndLists() throws Exception {
        assertThat(gateway.post("/admin/v1/rate-limits", "{\"scope\":\"model\",\"subject\":\"metered\"}").statusCode()).isEqualTo(400);
        assertThat(gateway.post("/admin/v1/rate-limits", "{\"scope\":\"model\",\"subject\":\"metered\",\"rpm\":0}").statusCode()).isEqualTo(400);
        assertThat(gateway.post("/admin/v1/rate-limits", "{\"scope\":\"planet\",\"subject\":\"x\",\"rpm\":1}").statusCode()).isEqualTo(400);
        JsonNode created = admin("/rate-limits", """
                {"scope":"key","subject":"key-123","model":"metered","rpm":10,"tpm":1000}""");
        JsonNode list = JSON.readTree(gateway.get("/admin/v1/rate-limits").body());
        assertThat(list.get("data")).anySatisfy(l -> assertThat(l.get("id").asText()).isEqualTo(created.get("id").asText()));
        HttpResponse<String> patched = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/admin/v1/rate-limits/" + created.get("id").asText()))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"rpm\":20}", StandardCharsets.UTF_8)));
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        assertThat(JSON.readTree(patched.body()).get("rpm").asInt()).isEqualTo(20);
        assertThat(JSON.readTree(patched.body()).get("tpm").asInt()).isEqualTo(1000);
    }
}
