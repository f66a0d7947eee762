package dev.gatehouse.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import dev.gatehouse.testing.GatewayHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code request-log.raw-rows.keep: sampled} through the running gateway: with a sample of 0,
 * only the failed call keeps a raw row, while the analytics API still counts every call, its
 * tokens and its cost.
 */
class RequestLogSampledEndToEndTest {
    static FakeOpenAi upstream;
    static GatewayHarness gateway;
    static AdminClient master;

    @BeforeAll
    static void start() {
        upstream = FakeOpenAi.start();
        gateway = GatewayHarness.start("""
                providers:
                  a: {kind: openai, base-url: "%s", api-key: %s}
                routing:
                  retries: {same-target: 0}
                models:
                  sampled-model:
                    targets: [{provider: a, model: gpt-4o-mini}]
                request-log:
                  flush-interval: 50ms
                  raw-rows: {keep: sampled, sample: 0, slow: 0s}
                """.formatted(upstream.baseUrl(), FakeOpenAi.DEFAULT_KEY));
        master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    @Test
    void onlyTheFailedCallKeepsARowAndTheTotalsCountEveryCall() throws Exception {
        OpenAIClient sdk = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(10)).maxRetries(0).build();
        String tag = "sampled-" + UUID.randomUUID();
        List<String> ok = new ArrayList<>();
        upstream.usage(100, 20, 0, 0);
        for (int i = 0; i < 5; i++) {
            String id = "ok-" + UUID.randomUUID();
            ok.add(id);
            sdk.chat().completions().create(params(id, tag));
        }
        upstream.failNext(1, Fault.serverError());
        String failed = "failed-" + UUID.randomUUID();
        assertThatThrownBy(() -> sdk.chat().completions().create(params(failed, tag)));

        RequestRecord failedRow = awaitRecord(failed);
        assertThat(failedRow.status()).isGreaterThanOrEqualTo(500);
        JsonNode summary = awaitSummary(tag, 6);
        assertThat(summary.path("input_tokens").asLong()).isEqualTo(500);
        assertThat(summary.path("output_tokens").asLong()).isEqualTo(100);
        assertThat(summary.path("errors").asLong()).isEqualTo(1);
        for (String id : ok) {
            assertThat(gateway.gatehouse().requestLogging().store().find(id)).isNull();
        }
    }

    static RequestRecord awaitRecord(String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            RequestRecord r = gateway.gatehouse().requestLogging().store().find(requestId);
            if (r != null) {
                return r;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no request log record for " + requestId);
    }

    static ChatCompletionCreateParams params(String requestId, String tag) {
        return ChatCompletionCreateParams.builder().model("sampled-model").addUserMessage("hello")
                .putAdditionalHeader("x-request-id", requestId)
                .putAdditionalHeader("x-gatehouse-metadata", "{\"campaign\":\"" + tag + "\"}").build();
    }

    /** The summary row of this test's tag once all {@code calls} are counted (the writer is asynchronous). */
    static JsonNode awaitSummary(String tag, long calls) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode row = null;
        while (System.nanoTime() < deadline) {
            for (JsonNode r : master.ok("GET", "/usage/summary?group_by=tag:campaign", null).json().path("rows")) {
                if (r.path("group").asText().equals(tag)) {
                    row = r;
                }
            }
            if (row != null && row.path("requests").asLong() == calls) {
                return row;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the summary did not reach " + calls + " calls: " + row);
    }
}
