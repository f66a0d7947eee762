package dev.gatehouse.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.OutboundConfig;
import dev.gatehouse.dialect.ProviderFactory;
import dev.gatehouse.provider.http.ConnectivityCheck;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeGemini;
import dev.gatehouse.testing.FakeOpenAi;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The connectivity check against the strict fakes: right, wrong base URL, wrong key, nobody listening. */
class ConnectivityCheckTest {

    @Test
    void tellsAWrongBaseUrlAndARefusedKeyFromAWorkingProvider() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (FakeOpenAi openAi = FakeOpenAi.start(); FakeGemini gemini = FakeGemini.start(); FakeAnthropic claude = FakeAnthropic.start()) {
            int closed;
            try (ServerSocket s = new ServerSocket(0)) {
                closed = s.getLocalPort();
            }
            HttpClient client = vertx.createHttpClient();
            ProviderFactory factory = new ProviderFactory(vertx, client, OutboundConfig.DEFAULTS);
            GatehouseConfig config = ConfigLoader.parse("""
                    providers:
                      good: {kind: openai, base-url: "%s", api-key: %s}
                      wrong-path: {kind: openai, base-url: "%s/api/v2", api-key: %s}
                      bad-key: {kind: openai, base-url: "%s", api-key: sk-revoked-0000}
                      gemini: {kind: gemini, base-url: "%s", api-key: %s}
                      claude: {kind: anthropic, base-url: "%s", api-key: %s}
                      down: {kind: openai, base-url: "http://127.0.0.1:%d/v1", api-key: k}
                    models: {m: {targets: [{provider: good, model: gpt-4o}]}}
                    """.formatted(openAi.baseUrl(), FakeOpenAi.DEFAULT_KEY, openAi.origin(), FakeOpenAi.DEFAULT_KEY, openAi.baseUrl(),
                    gemini.baseUrl(), FakeGemini.DEFAULT_KEY, claude.baseUrl(), FakeAnthropic.DEFAULT_KEY, closed), Path.of("t.yaml"));
            List<Provider> providers = config.providers().values().stream().map(factory::create).toList();
            List<ConnectivityCheck.Finding> findings = ConnectivityCheck.run(client, providers, Duration.ofSeconds(5))
                    .toCompletionStage().toCompletableFuture().get();
            assertThat(findings).extracting(ConnectivityCheck.Finding::provider)
                    .containsExactly("good", "wrong-path", "bad-key", "gemini", "claude", "down");
            assertThat(findings.get(0).ok()).as(findings.get(0).toString()).isTrue();
            assertThat(findings.get(1).problem()).contains("404").contains("base-url looks wrong");
            assertThat(findings.get(2).problem()).contains("refused the API key");
            assertThat(findings.get(3).ok()).as(findings.get(3).toString()).isTrue();
            assertThat(findings.get(4).ok()).as(findings.get(4).toString()).isTrue();
            assertThat(findings.get(5).problem()).startsWith("unreachable");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }
}
