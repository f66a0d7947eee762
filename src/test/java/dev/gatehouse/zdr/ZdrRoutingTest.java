package dev.gatehouse.zdr;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * ZDR per team and per key: their calls skip providers without {@code zdr: true}; everyone
 * else's calls route as usual; the zdr section follows config reloads.
 */
class ZdrRoutingTest {
    static final String CONFIG = """
            providers:
              retaining: {kind: openai, base-url: "%s", api-key: %s}
              zdr-openai: {kind: openai, base-url: "%s", api-key: %s, zdr: true}
            models:
              chat:
                targets: [{provider: retaining, model: gpt-4o}, {provider: zdr-openai, model: gpt-4o}]
              retaining-only:
                targets: [{provider: retaining, model: gpt-4o}]
              falls-back-to-chat:
                targets: [{provider: retaining, model: gpt-4o-mini}]
                fallbacks: [chat]
            """;

    @Test
    void teamAndKeyListsDecideWhoseCallsAreZdr() throws Exception {
        try (FakeOpenAi retaining = FakeOpenAi.start(); FakeOpenAi zdr = FakeOpenAi.start()) {
            String config = CONFIG.formatted(retaining.baseUrl(), FakeOpenAi.DEFAULT_KEY, zdr.baseUrl(), FakeOpenAi.DEFAULT_KEY);
            try (GatewayHarness gateway = GatewayHarness.start(config)) {
                AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
                String legal = master.ok("POST", "/teams", "{\"name\":\"legal\"}").text("id");
                String sales = master.ok("POST", "/teams", "{\"name\":\"sales\"}").text("id");
                String legalKey = key(master, legal, "legal-bot");
                String salesSvc = master.ok("POST", "/service-accounts", "{\"name\":\"sales-bot\",\"team_id\":\"" + sales + "\"}").text("id");
                AdminClient.Reply salesZdrKey = master.ok("POST", "/keys", "{\"owner_id\":\"" + salesSvc + "\"}");
                String salesKey = master.ok("POST", "/keys", "{\"owner_id\":\"" + salesSvc + "\"}").text("key");

                // No zdr section yet: everyone takes the first target.
                assertThat(providerOf(gateway, legalKey, "chat")).isEqualTo("retaining");

                Files.writeString(gateway.configFile(), config + """
                        zdr:
                          teams: [%s]
                          keys: [%s]
                        auth:
                          master-key: %s
                        """.formatted(legal, salesZdrKey.text("id"), GatewayHarness.MASTER_KEY));
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!"zdr-openai".equals(providerOf(gateway, legalKey, "chat")) && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(providerOf(gateway, legalKey, "chat")).isEqualTo("zdr-openai");      // by team
                assertThat(providerOf(gateway, salesZdrKey.text("key"), "chat")).isEqualTo("zdr-openai"); // by key
                assertThat(providerOf(gateway, salesKey, "chat")).isEqualTo("retaining");       // same team, other key

                HttpResponse<String> refused = chat(gateway, legalKey, "retaining-only");
                assertThat(refused.statusCode()).isEqualTo(403);
                assertThat(refused.body()).contains("zdr_no_target").contains("retaining-only");
                assertThat(chat(gateway, salesKey, "retaining-only").statusCode()).isEqualTo(200);
                // A model without a ZDR target still falls back to one that has it.
                assertThat(providerOf(gateway, legalKey, "falls-back-to-chat")).isEqualTo("zdr-openai");
                assertThat(providerOf(gateway, salesKey, "falls-back-to-chat")).isEqualTo("retaining");
            }
        }
    }

    private static String key(AdminClient master, String team, String name) {
        String svc = master.ok("POST", "/service-accounts", "{\"name\":\"" + name + "\",\"team_id\":\"" + team + "\"}").text("id");
        return master.ok("POST", "/keys", "{\"owner_id\":\"" + svc + "\"}").text("key");
    }

    private static String providerOf(GatewayHarness gateway, String key, String model) {
        HttpResponse<String> response = chat(gateway, key, model);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.headers().firstValue("x-gatehouse-provider").orElseThrow();
    }

    private static HttpResponse<String> chat(GatewayHarness gateway, String key, String model) {
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));
    }
}
