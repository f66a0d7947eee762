package dev.gatehouse.api.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.usage.RequestLogStore;
import dev.gatehouse.usage.RequestRecord;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Responses API is governed as chat is: policies name it {@code responses}, a budget's
 * reservation covers {@code max_output_tokens}, and the request log and metrics record the call with
 * the usage the provider reported (cached and reasoning tokens included).
 */
class ResponsesGovernanceTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static FakeOpenAi fake;
    static GatewayHarness gateway;
    static AdminClient master;

    @BeforeAll
    static void start() {
        fake = FakeOpenAi.start();
        gateway = GatewayHarness.start("""
                providers:
                  fake: {kind: openai, base-url: "%s", api-key: %s}
                models:
                  metered:
                    pricing: {input: 0, output: 1.00}
                    targets: [{provider: fake, model: gpt-4o-mini}]
                """.formatted(fake.baseUrl(), FakeOpenAi.DEFAULT_KEY));
        master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        fake.close();
    }

    static HttpResponse<String> create(String key, String body, String requestId) {
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/responses"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .header("x-request-id", requestId).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void budgetReservationCoversMaxOutputTokensAndTheLogRecordsTheCall() throws Exception {
        fake.usage(40, 37, 8, 5);
        JsonNode budget = JSON.readTree(gateway.post("/admin/v1/budgets",
                "{\"scope\":\"org\",\"period\":\"month\",\"limit_micros\":150,\"name\":\"responses\"}").body());
        try {
            // 200 output tokens at 1 micro-USD each cannot be reserved from 150.
            int before = fake.requestCount();
            HttpResponse<String> refused = create(GatewayHarness.MASTER_KEY,
                    "{\"model\":\"metered\",\"input\":\"hi\",\"max_output_tokens\":200}", "gov-refused-" + System.nanoTime());
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
            assertThat(refused.body()).contains("does not cover this request");
            assertThat(fake.requestCount()).isEqualTo(before); // refused before reaching the provider

            String requestId = "gov-ok-" + System.nanoTime();
            HttpResponse<String> ok = create(GatewayHarness.MASTER_KEY,
                    "{\"model\":\"metered\",\"input\":\"hi\",\"max_output_tokens\":100,\"stream\":true}", requestId);
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(ok.body()).contains("\"cached_tokens\":8", "\"reasoning_tokens\":5");

            RequestRecord record = awaitRecord(gateway.gatehouse().requestLogging().store(), requestId);
            assertThat(record.endpoint()).isEqualTo("responses");
            assertThat(record.stream()).isTrue();
            assertThat(record.inputTokens()).isEqualTo(40);
            assertThat(record.outputTokens()).isEqualTo(37);
            assertThat(record.cachedTokens()).isEqualTo(8);
            assertThat(record.reasoningTokens()).isEqualTo(5);
            assertThat(record.costMicros()).isEqualTo(37);
            assertThat(record.usageEstimated()).isFalse();

            String metrics = gateway.get("/metrics").body();
            assertThat(metrics).containsPattern("gatehouse_requests_total\\{[^}]*endpoint=\"responses\"");
        } finally {
            gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/admin/v1/budgets/" + budget.get("id").asText()))
                    .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).DELETE());
        }
    }

    @Test
    void policiesNameTheEndpointResponses() throws Exception {
        String team = master.ok("POST", "/teams", "{\"name\":\"chat-only\"}").text("id");
        String svc = master.ok("POST", "/service-accounts", "{\"name\":\"chat-bot\",\"team_id\":\"" + team + "\"}").text("id");
        String key = master.ok("POST", "/keys", "{\"owner_id\":\"" + svc + "\"}").text("key");
        String policy = master.ok("POST", "/policies", "{\"name\":\"chat only\",\"endpoints\":[\"chat.completions\"]}").text("id");
        master.ok("POST", "/policies/" + policy + "/attachments", "{\"subject_type\":\"team\",\"subject_id\":\"" + team + "\"}");
        HttpResponse<String> denied = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            denied = create(key, "{\"model\":\"metered\",\"input\":\"hi\"}", "gov-policy-" + System.nanoTime());
            if (denied.statusCode() == 403) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(denied.statusCode()).as(denied.body()).isEqualTo(403);
        assertThat(denied.body()).contains("chat only");

        master.ok("PATCH", "/policies/" + policy, "{\"endpoints\":[\"chat.completions\",\"responses\"]}");
        HttpResponse<String> allowed = null;
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            allowed = create(key, "{\"model\":\"metered\",\"input\":\"hi\"}", "gov-policy-" + System.nanoTime());
            if (allowed.statusCode() == 200) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
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
}
