package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The first-byte deadline learned per target, through the running gateway against a fake whose
 * latency shifts: a cold target waits the configured deadline, a warm one fails over after a
 * multiple of its recent latency, and a target that slowed down raises its own deadline.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AdaptiveFirstByteTest {
    static FakeOpenAi a;
    static FakeOpenAi b;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        a = FakeOpenAi.start();
        b = FakeOpenAi.start();
        gateway = GatewayHarness.start("""
                providers:
                  a: {kind: openai, base-url: "%s", api-key: %s}
                  b: {kind: openai, base-url: "%s", api-key: %s}
                routing:
                  circuit-breaker: {consecutive-failures: 1000, failure-rate: 100, window: 10000}
                  adaptive-first-byte: {percentile: 95, multiple: 3, floor: 500ms, min-samples: 5}
                models:
                  learned:
                    targets: [{provider: a, model: gpt-4o}, {provider: b, model: gpt-4o-mini}]
                  fixed:
                    timeouts: {first-byte: 7s}
                    targets: [{provider: b, model: gpt-4.1}]
                """.formatted(a.baseUrl(), FakeOpenAi.DEFAULT_KEY, b.baseUrl(), FakeOpenAi.DEFAULT_KEY));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        a.close();
        b.close();
    }

    static HttpResponse<String> chat(String model) {
        return gateway.post("/v1/chat/completions", "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    static double deadlineSeconds(String target) {
        String metrics = gateway.get("/metrics").body();
        Matcher m = Pattern.compile("gatehouse_target_first_byte_deadline_seconds\\{target=\"" + Pattern.quote(target)
                + "\"} ([0-9.eE+-]+)").matcher(metrics);
        assertThat(m.find()).as("gauge for " + target).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void theDeadlineFollowsTheTargetsLatency() {
        assertThat(deadlineSeconds("a/gpt-4o")).as("cold: the built-in deadline").isEqualTo(120.0);
        assertThat(deadlineSeconds("b/gpt-4.1")).as("configured: never learned").isEqualTo(7.0);

        a.headDelay(Duration.ofMillis(20));
        // 30 calls: the first (class loading, a new connection) is an outlier the 95th percentile leaves out.
        for (int i = 0; i < 30; i++) {
            assertThat(chat("learned").headers().firstValue("x-gatehouse-provider")).hasValue("a");
        }
        double warm = deadlineSeconds("a/gpt-4o");
        assertThat(warm).as("3 × p95 of ~20 ms calls, or the 500 ms floor").isBetween(0.5, 2.0);

        // The target goes silent: the caller is failed over after the learned deadline, not two minutes.
        a.headDelay(Duration.ofSeconds(20));
        long start = System.nanoTime();
        HttpResponse<String> rescued = chat("learned");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(rescued.statusCode()).isEqualTo(200);
        assertThat(rescued.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        assertThat(ms).isBetween(500L, 5_000L);

        // Its latency shifts beyond the deadline: the first calls miss it and fail over, and each miss
        // counts as a call at least that slow, so the deadline rises until the target answers again.
        long slower = Math.round(warm * 1500);
        a.headDelay(Duration.ofMillis(slower));
        int failedOver = 0;
        String provider = "b";
        for (int i = 0; i < 40 && !provider.equals("a"); i++) {
            HttpResponse<String> response = chat("learned");
            assertThat(response.statusCode()).isEqualTo(200);
            provider = response.headers().firstValue("x-gatehouse-provider").orElseThrow();
            failedOver += provider.equals("b") ? 1 : 0;
        }
        assertThat(provider).as("the slower target is used again once its deadline rose").isEqualTo("a");
        assertThat(failedOver).isPositive();
        assertThat(deadlineSeconds("a/gpt-4o")).isGreaterThan(slower / 1000.0).isLessThan(120.0);
    }
}
