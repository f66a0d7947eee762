package dev.gatehouse.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.pricing.Pricing;
import dev.gatehouse.pricing.TokenCounter;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request log through the running gateway with the openai-java SDK: one record per request
 * with its attempts (fallback included), the upstream's usage to the token, estimates when the
 * upstream reports none, caller tags, and the analytics API agreeing with the raw rows, scoped
 * by role.
 */
class RequestLogEndToEndTest {
    static FakeOpenAi a;
    static FakeOpenAi b;
    static FakeOpenAi c;
    static GatewayHarness gateway;
    static AdminClient master;
    static final Map<String, String> ids = new HashMap<>();
    static final Map<String, String> keys = new HashMap<>();

    @BeforeAll
    static void start() {
        a = FakeOpenAi.start();
        b = FakeOpenAi.start();
        c = FakeOpenAi.start();
        gateway = GatewayHarness.start("""
                providers:
                  a: {kind: openai, base-url: "%s", api-key: %s}
                  b: {kind: openai, base-url: "%s", api-key: %s}
                  c: {kind: openai, base-url: "%s", api-key: %s}
                routing:
                  retries: {same-target: 0}
                  circuit-breaker: {consecutive-failures: 1000, failure-rate: 100, window: 10000}
                models:
                  pair:
                    targets: [{provider: a, model: gpt-4o}, {provider: b, model: gpt-4o-mini}]
                  bare:
                    targets: [{provider: c, model: gpt-4o-mini}]
                request-log:
                  flush-interval: 50ms
                """.formatted(a.baseUrl(), FakeOpenAi.DEFAULT_KEY, b.baseUrl(), FakeOpenAi.DEFAULT_KEY, c.baseUrl(),
                FakeOpenAi.DEFAULT_KEY));
        master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        ids.put("A", master.ok("POST", "/teams", "{\"name\":\"team-a\"}").text("id"));
        ids.put("B", master.ok("POST", "/teams", "{\"name\":\"team-b\"}").text("id"));
        user("taA", "A", "team-admin");
        user("mA", "A", "member");
        user("mA2", "A", "member");
        user("mB", "B", "member");
    }

    static void user(String name, String team, String role) {
        ids.put(name, master.ok("POST", "/users", "{\"name\":\"" + name + "\",\"team_id\":\"" + ids.get(team)
                + "\",\"role\":\"" + role + "\"}").text("id"));
        AdminClient.Reply key = master.ok("POST", "/keys", "{\"owner_id\":\"" + ids.get(name) + "\"}");
        keys.put(name, key.text("key"));
        ids.put("key-" + name, key.text("id"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        a.close();
        b.close();
        c.close();
    }

    @BeforeEach
    void reset() {
        a.reset();
        b.reset();
        c.reset();
        c.noUsage();
    }

    static OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(key)
                .timeout(Duration.ofSeconds(10)).maxRetries(0).build();
    }

    static ChatCompletionCreateParams params(String model, String requestId, String metadata) {
        ChatCompletionCreateParams.Builder p = ChatCompletionCreateParams.builder().model(model)
                .addUserMessage("How do gateways count tokens?").putAdditionalHeader("x-request-id", requestId);
        if (metadata != null) {
            p.putAdditionalHeader("x-gatehouse-metadata", metadata);
        }
        return p.build();
    }

    static RequestLogStore store() {
        return gateway.gatehouse().requestLogging().store();
    }

    static RequestRecord awaitRecord(String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            RequestRecord r = store().find(requestId);
            if (r != null) {
                return r;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no request log record for " + requestId);
    }

    static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static long expectedCost(String publicModel, String upstreamModel, Usage usage) {
        return Pricing.cost(Pricing.shipped().price(publicModel, upstreamModel), usage);
    }

    @Test
    void nonStreamedCallWithFallbackIsOneRecordWithBothAttemptsAndTheUpstreamsUsage() throws Exception {
        a.failNext(1, Fault.error(503, "server_error", "overloaded", "The server is overloaded.", null));
        b.usage(21, 9, 4, 3);
        String requestId = id("ns");
        ChatCompletion completion = sdk(keys.get("mA")).chat().completions()
                .create(params("pair", requestId, "{\"feature\":\"search\",\"run\":3}"));
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(21);

        RequestRecord r = awaitRecord(requestId);
        assertThat(r.keyId()).isEqualTo(ids.get("key-mA"));
        assertThat(r.userId()).isEqualTo(ids.get("mA"));
        assertThat(r.teamId()).isEqualTo(ids.get("A"));
        assertThat(r.requestedModel()).isEqualTo("pair");
        assertThat(r.model()).isEqualTo("gpt-4o-mini");
        assertThat(r.provider()).isEqualTo("b");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.errorClass()).isNull();
        assertThat(r.attempts()).extracting(RequestRecord.Attempt::provider, RequestRecord.Attempt::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", 503), org.assertj.core.groups.Tuple.tuple("b", 200));
        assertThat(r.attempts().get(0).errorClass()).isNotNull();
        assertThat(r.fallbackPath()).isEqualTo("a/gpt-4o:503>b/gpt-4o-mini:200");
        assertThat(r.route()).contains("strategy");
        assertThat(List.of(r.inputTokens(), r.outputTokens(), r.cachedTokens(), r.reasoningTokens())).containsExactly(21L, 9L, 4L, 3L);
        assertThat(r.usageEstimated()).isFalse();
        assertThat(r.costMicros()).isPositive().isEqualTo(expectedCost("pair", "gpt-4o-mini", new Usage(21, 9, 4, 0, 3)));
        assertThat(r.stream()).isFalse();
        assertThat(r.clientAddress()).isEqualTo("127.0.0.1");
        assertThat(r.userAgent()).containsIgnoringCase("openai");
        assertThat(r.tags()).containsExactlyInAnyOrderEntriesOf(Map.of("feature", "search", "run", "3"));
        assertThat(r.latencyMs()).isGreaterThanOrEqualTo(0);
        assertThat(r.ttftMs()).isNotNull();
        assertThat(r.endpoint()).isEqualTo("chat_completions");
    }

    @Test
    void streamedCallCountsTheUpstreamsUsageExactlyAndTheCallerDoesNotSeeTheInjectedUsageChunk() throws Exception {
        b.usage(33, 17, 0, 5);
        a.failNext(1, Fault.error(500, "server_error", "internal", "boom", null));
        String requestId = id("st");
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = sdk(keys.get("mA2")).chat().completions()
                .createStreaming(params("pair", requestId, "{\"feature\":\"chat\"}"))) {
            stream.stream().forEach(chunks::add);
        }
        assertThat(chunks).isNotEmpty();
        assertThat(chunks).allSatisfy(ch -> assertThat(ch.usage()).isEmpty()); // the caller did not ask for usage
        assertThat(new String(b.lastRequest().body(), java.nio.charset.StandardCharsets.UTF_8)).contains("\"include_usage\":true"); // but the gateway asked upstream

        RequestRecord r = awaitRecord(requestId);
        assertThat(r.stream()).isTrue();
        assertThat(r.attempts()).hasSize(2);
        assertThat(r.provider()).isEqualTo("b");
        assertThat(List.of(r.inputTokens(), r.outputTokens(), r.reasoningTokens())).containsExactly(33L, 17L, 5L);
        assertThat(r.usageEstimated()).isFalse();
        assertThat(r.costMicros()).isEqualTo(expectedCost("pair", "gpt-4o-mini", new Usage(33, 17, 0, 0, 5)));
        assertThat(r.ttftMs()).isNotNull().isLessThanOrEqualTo(r.latencyMs());
        assertThat(r.userId()).isEqualTo(ids.get("mA2"));
    }

    @Test
    void usageIsEstimatedWithTheTokenizerWhenTheUpstreamReportsNone() throws Exception {
        String answer = "Gateways count tokens from the provider's usage, or estimate them with a tokenizer.";
        c.answer(answer);
        String plain = id("est");
        ChatCompletion completion = sdk(keys.get("mB")).chat().completions().create(params("bare", plain, null));
        assertThat(completion.usage()).isEmpty();
        RequestRecord r = awaitRecord(plain);
        assertThat(r.usageEstimated()).isTrue();
        assertThat(r.outputTokens()).isEqualTo(TokenCounter.text(answer));
        assertThat(r.inputTokens()).isBetween(8L, 30L); // "How do gateways count tokens?" plus message framing
        assertThat(r.costMicros()).isEqualTo(expectedCost("bare", "gpt-4o-mini", Usage.of(r.inputTokens(), r.outputTokens())));

        String streamed = id("est-st");
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = sdk(keys.get("mB")).chat().completions()
                .createStreaming(params("bare", streamed, null))) {
            stream.stream().forEach(ch -> ch.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
        }
        assertThat(text.toString()).isEqualTo(answer);
        RequestRecord s = awaitRecord(streamed);
        assertThat(s.usageEstimated()).isTrue();
        assertThat(s.stream()).isTrue();
        assertThat(s.outputTokens()).isEqualTo(TokenCounter.text(answer));
        assertThat(s.inputTokens()).isEqualTo(r.inputTokens());
    }

    @Test
    void anthropicCallersGetEstimatesTooWhenATranslatedUpstreamReportsNone() throws Exception {
        String answer = "Counted by the gateway, not by the upstream.";
        c.answer(answer);
        for (boolean stream : new boolean[] {false, true}) {
            String requestId = id("msg");
            HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/messages"))
                    .header("x-api-key", keys.get("mB"))
                    .header("anthropic-version", "2023-06-01")
                    .header("content-type", "application/json")
                    .header("x-request-id", requestId)
                    .header("x-gatehouse-metadata", "{\"feature\":\"anthropic\"}")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"bare\",\"max_tokens\":100,\"stream\":" + stream
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"How do gateways count tokens?\"}]}")));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            RequestRecord r = awaitRecord(requestId);
            assertThat(r.endpoint()).isEqualTo("messages");
            assertThat(r.stream()).isEqualTo(stream);
            assertThat(r.usageEstimated()).isTrue();
            assertThat(r.outputTokens()).isEqualTo(TokenCounter.text(answer));
            assertThat(r.inputTokens()).isPositive();
            assertThat(r.tags()).containsEntry("feature", "anthropic");
        }
    }

    @Test
    void invalidMetadataHeaderIsA400NamingTheHeader() {
        for (String bad : List.of("not json", "[1,2]", "{\"a\":{\"nested\":true}}")) {
            HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/chat/completions"))
                    .header("Authorization", "Bearer " + keys.get("mA"))
                    .header("Content-Type", "application/json")
                    .header("x-gatehouse-metadata", bad)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"pair\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));
            assertThat(response.statusCode()).as(bad).isEqualTo(400);
            assertThat(response.body()).contains("x-gatehouse-metadata").contains("invalid_request_error");
        }
        assertThat(a.requestCount() + b.requestCount()).isZero();
    }

    @Test
    void analyticsAgreeWithTheRawRowsAndAreScopedByRole() throws Exception {
        String tag = "t" + UUID.randomUUID().toString().substring(0, 6);
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String user = i % 3 == 0 ? "mB" : i % 3 == 1 ? "mA" : "taA";
            b.usage(10 + i, 5 + i, 0, 0);
            String requestId = id("an");
            sdk(keys.get(user)).chat().completions().create(params(i % 2 == 0 ? "pair" : "bare", requestId,
                    "{\"campaign\":\"" + tag + "\",\"variant\":\"" + (i % 2 == 0 ? "x" : "y") + "\"}"));
            sent.add(requestId);
        }
        List<RequestRecord> mine = new ArrayList<>();
        for (String requestId : sent) {
            mine.add(awaitRecord(requestId));
        }

        // group by tag: this campaign's row agrees with the raw rows to the token and the micro-unit
        JsonNode byCampaign = master.ok("GET", "/usage/summary?group_by=tag:campaign&bucket=hour", null).json();
        long[] raw = sums(mine);
        long[] api = new long[4];
        for (JsonNode row : byCampaign.path("rows")) {
            if (row.path("group").asText().equals(tag)) {
                api[0] += row.path("requests").asLong();
                api[1] += row.path("input_tokens").asLong();
                api[2] += row.path("output_tokens").asLong();
                api[3] += row.path("cost_micros").asLong();
                assertThat(row.path("bucket").asText()).endsWith(":00:00Z");
            }
        }
        assertThat(api).containsExactly(raw);

        // group by model, filtered by the tag
        JsonNode byModel = master.ok("GET", "/usage/summary?group_by=model&tag=campaign=" + tag, null).json();
        Map<String, List<RequestRecord>> rawByModel = new HashMap<>();
        mine.forEach(r -> rawByModel.computeIfAbsent(r.model(), k -> new ArrayList<>()).add(r));
        assertThat(byModel.path("rows")).hasSize(rawByModel.size());
        for (JsonNode row : byModel.path("rows")) {
            long[] e = sums(rawByModel.get(row.path("group").asText()));
            assertThat(new long[] {row.path("requests").asLong(), row.path("input_tokens").asLong(),
                    row.path("output_tokens").asLong(), row.path("cost_micros").asLong()}).containsExactly(e);
        }

        // top 1 team by cost
        Map<String, Long> costByTeam = new HashMap<>();
        mine.forEach(r -> costByTeam.merge(r.teamId(), r.costMicros(), Long::sum));
        String topTeam = costByTeam.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        JsonNode top = master.ok("GET", "/usage/summary?group_by=team&top=1&order_by=cost&tag=campaign=" + tag, null).json();
        assertThat(top.path("rows")).hasSize(1);
        assertThat(top.path("rows").get(0).path("group").asText()).isEqualTo(topTeam);
        assertThat(top.path("rows").get(0).path("cost_micros").asLong()).isEqualTo(costByTeam.get(topTeam));

        // CSV export of the same grouping
        HttpResponse<String> csv = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin()
                + "/admin/v1/usage/summary?format=csv&group_by=team&tag=campaign=" + tag))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).GET());
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("content-type").orElseThrow()).startsWith("text/csv");
        String[] lines = csv.body().split("\n");
        assertThat(lines[0]).startsWith("bucket,group,requests,errors,error_rate,input_tokens,output_tokens");
        assertThat(lines).hasSize(1 + costByTeam.size());
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",");
            assertThat(Long.parseLong(f[9])).isEqualTo(costByTeam.get(f[1]));
        }

        // latency percentiles from the raw rows
        JsonNode latency = master.ok("GET", "/usage/latency?group_by=model&tag=campaign=" + tag, null).json();
        for (JsonNode row : latency.path("rows")) {
            List<RequestRecord> rows = rawByModel.get(row.path("group").asText());
            assertThat(row.path("requests").asLong()).isEqualTo(rows.size());
            long max = rows.stream().mapToLong(RequestRecord::latencyMs).max().orElseThrow();
            assertThat(row.path("p99_ms").asLong()).isEqualTo(max);
        }

        // a team-admin sees only their team; naming another team is a 404
        AdminClient teamAdmin = new AdminClient(gateway, keys.get("taA"));
        JsonNode scoped = teamAdmin.ok("GET", "/usage/summary?group_by=team&tag=campaign=" + tag, null).json();
        assertThat(scoped.path("rows")).hasSize(1);
        assertThat(scoped.path("rows").get(0).path("group").asText()).isEqualTo(ids.get("A"));
        assertThat(scoped.path("rows").get(0).path("requests").asLong())
                .isEqualTo(mine.stream().filter(r -> r.teamId().equals(ids.get("A"))).count());
        assertThat(teamAdmin.send("GET", "/usage/summary?team=" + ids.get("B"), null).status()).isEqualTo(404);

        // a member sees only their own requests
        AdminClient member = new AdminClient(gateway, keys.get("mA"));
        JsonNode own = member.ok("GET", "/usage/summary?group_by=user&tag=campaign=" + tag, null).json();
        assertThat(own.path("rows")).hasSize(1);
        assertThat(own.path("rows").get(0).path("group").asText()).isEqualTo(ids.get("mA"));
        String bRequest = mine.stream().filter(r -> r.teamId().equals(ids.get("B"))).findFirst().orElseThrow().requestId();
        String aRequest = mine.stream().filter(r -> r.userId().equals(ids.get("mA"))).findFirst().orElseThrow().requestId();
        assertThat(member.send("GET", "/usage/requests/" + bRequest, null).status()).isEqualTo(404);
        assertThat(member.ok("GET", "/usage/requests/" + aRequest, null).json().path("attempts")).isNotEmpty();
        assertThat(teamAdmin.send("GET", "/usage/requests/" + bRequest, null).status()).isEqualTo(404);
        assertThat(teamAdmin.ok("GET", "/usage/requests/" + aRequest, null).json().path("requestId").asText()).isEqualTo(aRequest);
        JsonNode listed = member.ok("GET", "/usage/requests?limit=500", null).json();
        assertThat(listed.path("data")).allSatisfy(row -> assertThat(row.path("userId").asText()).isEqualTo(ids.get("mA")));

        // bad parameters are clear 400s
        assertThat(master.send("GET", "/usage/summary?group_by=colour", null).status()).isEqualTo(400);
        assertThat(master.send("GET", "/usage/summary?bucket=week", null).status()).isEqualTo(400);
        assertThat(master.send("GET", "/usage/summary?from=yesterday", null).status()).isEqualTo(400);
    }

    static long[] sums(List<RequestRecord> records) {
        long[] s = new long[4];
        for (RequestRecord r : records) {
            s[0]++;
            s[1] += r.inputTokens();
            s[2] += r.outputTokens();
            s[3] += r.costMicros();
        }
        return s;
    }
}
