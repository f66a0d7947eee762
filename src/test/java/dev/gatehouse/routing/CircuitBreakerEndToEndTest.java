package dev.gatehouse.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import dev.gatehouse.testing.GatewayHarness;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Circuit breakers through the running gateway against two fakes: a persistently failing
 * primary stops receiving traffic, gets one probe after the cooldown, and gets its traffic back
 * once it heals; with every target open the least-bad one still answers. Each test uses its own
 * upstream model names, so its targets' breakers are its own.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CircuitBreakerEndToEndTest {
    static final long COOLDOWN_MILLIS = 1500;
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
                  circuit-breaker: {consecutive-failures: 2, cooldown: %dms, when-all-open: least-bad}
                  retries: {same-target: 0}   # count only what the breakers let through
                models:
                  pair:
                    targets: [{provider: a, model: gpt-4o}, {provider: b, model: gpt-4o-mini}]
                  both:
                    targets: [{provider: a, model: gpt-4.1}, {provider: b, model: gpt-4.1}]
                """.formatted(a.baseUrl(), FakeOpenAi.DEFAULT_KEY, b.baseUrl(), FakeOpenAi.DEFAULT_KEY, COOLDOWN_MILLIS));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        a.close();
        b.close();
    }

    @BeforeEach
    void reset() {
        a.reset();
        b.reset();
    }

    static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    HttpResponse<String> ask(String model) {
        return gateway.post("/v1/chat/completions", chat(model));
    }

    @Test
    void aFailingPrimaryIsLeftAloneThenProbedThenGetsItsTrafficBack() throws Exception {
        a.failAlways(Fault.overloaded());
        for (int i = 0; i < 2; i++) { // two consecutive failures open a's breaker
            HttpResponse<String> r = ask("pair");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        }
        assertThat(a.requestCount()).isEqualTo(2);
        for (int i = 0; i < 5; i++) { // open: straight to the fallback, the primary is not touched
            HttpResponse<String> r = ask("pair");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        }
        assertThat(a.requestCount()).isEqualTo(2);
        assertThat(b.requestCount()).isEqualTo(7);

        // Cooldown over, still broken: exactly one probe reaches it, then it is left alone again.
        Thread.sleep(COOLDOWN_MILLIS + 200);
        for (int i = 0; i < 3; i++) {
            assertThat(ask("pair").statusCode()).isEqualTo(200);
        }
        assertThat(a.requestCount()).isEqualTo(3);

        // Healed: after the next cooldown the probe succeeds, the breaker closes, traffic returns.
        a.clearFaults();
        Thread.sleep(COOLDOWN_MILLIS + 200);
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = ask("pair");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-gatehouse-provider")).hasValue("a");
        }
        assertThat(a.requestCount()).isEqualTo(6);
        assertThat(b.requestCount()).isEqualTo(10);
    }

    @Test
    void withEveryTargetOpenTheLeastBadStillAnswers() {
        a.failAlways(Fault.overloaded());
        b.failAlways(Fault.overloaded());
        for (int i = 0; i < 2; i++) { // a fails first each time, so a's breaker opens first
            assertThat(ask("both").statusCode()).isIn(502, 503);
        }
        assertThat(a.requestCount()).isEqualTo(2);
        assertThat(b.requestCount()).isEqualTo(2);
        a.clearFaults(); // a has recovered, but both breakers are open and cooling down
        HttpResponse<String> r = ask("both");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-gatehouse-provider")).hasValue("a"); // opened longest ago
        assertThat(b.requestCount()).isEqualTo(2);
        // a's answer closed its breaker: it is the primary again at once
        assertThat(ask("both").headers().firstValue("x-gatehouse-provider")).hasValue("a");
        assertThat(b.requestCount()).isEqualTo(2);
    }
}
