package dev.gatehouse.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Repeated failed authentications from one address, through the running gateway: the first few
 * are answered at once, then ever more slowly, then refused with 429 for a while; a valid key
 * from the same address is neither slowed nor refused meanwhile.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FailedAuthenticationsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        gateway = GatewayHarness.start(GatewayHarness.mockConfig() + """
                auth:
                  master-key: %s
                  failed-attempts: {slow-after: 2, refuse-after: 5, window: 1m, block-for: 2s, max-delay: 400ms}
                """.formatted(GatewayHarness.MASTER_KEY));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    static HttpResponse<String> chat(String key) {
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT)));
    }

    static long timed(Runnable call) {
        long start = System.nanoTime();
        call.run();
        return (System.nanoTime() - start) / 1_000_000;
    }

    static double counter(String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(gateway.get("/metrics").body());
        assertThat(m.find()).as(name).isTrue();
        return Double.parseDouble(m.group(2));
    }

    @Test
    void failuresAreSlowedThenRefusedWhileAValidKeyIsNeither() throws Exception {
        HttpResponse<String>[] last = new HttpResponse[1];
        assertThat(chat(GatewayHarness.MASTER_KEY).statusCode()).isEqualTo(200);
        for (int i = 0; i < 2; i++) {
            assertThat(chat("sk-wrong-key-0123456789").statusCode()).isEqualTo(401);
        }
        assertThat(counter("gatehouse_auth_failures_slowed_total")).as("the first failures are not slowed").isZero();
        long[] expected = {100, 200, 400};
        for (long delay : expected) {
            long ms = timed(() -> last[0] = chat("sk-wrong-key-0123456789"));
            assertThat(last[0].statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(last[0].body()).path("error").path("code").asText()).isEqualTo("invalid_api_key");
            assertThat(ms).as("slowed by a doubling delay").isGreaterThanOrEqualTo(delay);
        }
        HttpResponse<String> refused = chat("sk-another-wrong-key-987");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("retry-after")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 2));
        assertThat(JSON.readTree(refused.body()).path("error").path("code").asText()).isEqualTo("too_many_failed_authentications");

        // The same address with a valid key while it is refused: answered, neither slowed nor refused.
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> valid = chat(GatewayHarness.MASTER_KEY);
            assertThat(valid.statusCode()).as(valid.body()).isEqualTo(200);
        }
        assertThat(counter("gatehouse_auth_failures_slowed_total")).isEqualTo(3.0);
        assertThat(counter("gatehouse_auth_failures_refused_total")).isEqualTo(1.0);

        // The block ends: the address starts afresh (a failure is a plain 401 again, not slowed).
        Thread.sleep(2_100);
        assertThat(chat("sk-wrong-key-0123456789").statusCode()).isEqualTo(401);
        assertThat(counter("gatehouse_auth_failures_slowed_total")).isEqualTo(3.0);
        assertThat(counter("gatehouse_auth_failures_refused_total")).isEqualTo(1.0);
    }
}
