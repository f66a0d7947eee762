package dev.gatehouse.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Server mode: two gateway nodes share answers through the real Redis, which expires them; and
 * zero-data-retention traffic never touches the cache at all.
 */
class SharedAndZdrCacheTest {

    static HttpResponse<String> post(GatewayHarness gateway, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return gateway.send(b);
    }

    static String chat(String prompt, boolean stream) {
        return "{\"model\":\"chat\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
    }

    @Test
    void twoNodesShareAnswersThroughRedisWithATtl() {
        RedisClient redis = TestRedis.client();
        try (FakeOpenAi upstream = FakeOpenAi.start()) {
            String config = """
                    providers:
                      oa: {kind: openai, base-url: "%s", api-key: %s}
                    models:
                      chat:
                        targets: [{provider: oa, model: gpt-4o}]
                    redis: {url: "%s"}
                    cache: {enabled: true, ttl: 5m}
                    """.formatted(upstream.baseUrl(), FakeOpenAi.DEFAULT_KEY, TestRedis.url());
            try (GatewayHarness a = GatewayHarness.start(config); GatewayHarness b = GatewayHarness.start(config)) {
                // A namespace of its own: Redis outlives test runs, and a stored answer from an earlier run must not hit.
                String ns = "test-" + UUID.randomUUID();
                for (boolean stream : new boolean[] {false, true}) {
                    String body = chat("shared " + UUID.randomUUID(), stream);
                    HttpResponse<String> first = post(a, body, "x-gatehouse-cache-namespace", ns);
                    assertThat(first.headers().firstValue("x-gatehouse-cache")).hasValue("MISS");
                    HttpResponse<String> other = post(b, body, "x-gatehouse-cache-namespace", ns);
                    assertThat(other.headers().firstValue("x-gatehouse-cache")).as("stream=%s", stream).hasValue("HIT");
                    assertThat(other.body()).isEqualTo(first.body());
                }
                assertThat(upstream.requests()).hasSize(2);
                // Stored with Redis's own expiry: nothing lingers after its TTL.
                RedisCommands<String, String> sync = redis.connect().sync();
                var keys = sync.scan(ScanArgs.Builder.matches(RedisAnswerStore.PREFIX + "*").limit(10_000)).getKeys();
                assertThat(keys).isNotEmpty();
                long ttl = sync.pttl(keys.getFirst());
                assertThat(ttl).isPositive().isLessThanOrEqualTo(5 * 60 * 1000);
            }
        } finally {
            redis.shutdown();
        }
    }

    @Test
    void zeroDataRetentionCallsNeitherReadNorStore() {
        try (FakeOpenAi upstream = FakeOpenAi.start()) {
            String config = """
                    providers:
                      oa: {kind: openai, base-url: "%s", api-key: %s, zdr: true}
                    models:
                      chat:
                        targets: [{provider: oa, model: gpt-4o}]
                    cache: {enabled: true}
                    zdr: {enabled: true}
                    """.formatted(upstream.baseUrl(), FakeOpenAi.DEFAULT_KEY);
            try (GatewayHarness gateway = GatewayHarness.start(config)) {
                String body = chat("private " + UUID.randomUUID(), false);
                for (int i = 0; i < 3; i++) {
                    HttpResponse<String> r = post(gateway, body);
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(r.headers().firstValue("x-gatehouse-cache")).isEmpty();
                }
                assertThat(upstream.requests()).hasSize(3);
            }
        }
    }

    @Test
    void teamsOffAndTheCacheOffByDefaultCostNothing() {
        try (FakeOpenAi upstream = FakeOpenAi.start()) {
            String config = """
                    providers:
                      oa: {kind: openai, base-url: "%s", api-key: %s}
                    models:
                      chat:
                        targets: [{provider: oa, model: gpt-4o}]
                    """.formatted(upstream.baseUrl(), FakeOpenAi.DEFAULT_KEY);
            try (GatewayHarness gateway = GatewayHarness.start(config)) {
                String body = chat("uncached " + UUID.randomUUID(), false);
                assertThat(post(gateway, body).headers().firstValue("x-gatehouse-cache")).isEmpty();
                assertThat(post(gateway, body).headers().firstValue("x-gatehouse-cache")).isEmpty();
                assertThat(upstream.requests()).hasSize(2);
            }
            // Listed teams only: the master key has no team, so it is not cached.
            try (GatewayHarness gateway = GatewayHarness.start(config + "cache: {enabled: true, teams: [some-team]}\n")) {
                String body = chat("unlisted " + UUID.randomUUID(), false);
                assertThat(post(gateway, body).headers().firstValue("x-gatehouse-cache")).isEmpty();
                assertThat(post(gateway, body).headers().firstValue("x-gatehouse-cache")).isEmpty();
            }
        }
    }
}
