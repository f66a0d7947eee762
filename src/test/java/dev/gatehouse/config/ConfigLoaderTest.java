package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.ModelConfig.TargetConfig;
import dev.gatehouse.config.ProviderConfig.MockSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    static final Path SOURCE = Path.of("gatehouse.yaml");

    static final String FULL = """
            server: {host: 0.0.0.0, port: 9090, max-body-size: 16MiB, event-loops: 4, request-timeout: 45s}
            providers:
              openai:   {kind: openai, base-url: https://api.openai.com/v1, api-key: "${OPENAI_API_KEY}", headers: {OpenAI-Organization: org-1}, passthrough: true,
                         timeouts: {connect: 10s, first-byte: 60s, idle: 30s, total: 10m}}
              azure:    {kind: azure-openai, base-url: https://myres.openai.azure.com, api-key: "${AZURE_KEY}", api-version: 2024-10-21}
              claude:   {kind: anthropic, api-key: "${ANTHROPIC_API_KEY}", passthrough: false}
              demo:     {kind: mock, mock: {latency: 5ms, output-tokens: 12, chunk-delay: 20ms, tokens-per-chunk: 2, embedding-dimensions: 64}}
            models:
              gpt-4o-mini:                        # the name callers send
                type: chat
                timeouts: {first-byte: 30s}
                targets:
                  - {provider: openai, model: gpt-4o-mini-2024-07-18, timeouts: {idle: 10s}}
                  - {provider: azure, model: my-deployment}
              embed:
                type: embedding
                targets: [{provider: demo}]
            auth:
              master-key: "${GATEHOUSE_MASTER_KEY}"
            storage:
              url: jdbc:postgresql://127.0.0.1:5432/test
              username: gh
              password: secret
            """;

    static final Map<String, String> ENV = Map.of(
            "OPENAI_API_KEY", "sk-openai", "AZURE_KEY", "az-key",
            "ANTHROPIC_API_KEY", "sk-ant", "GATEHOUSE_MASTER_KEY", "gh-master");

    @Test
    void readsEveryKeyOfTheFullShape() {
        ConfigLoader.Result result = ConfigLoader.parseWithWarnings(FULL, SOURCE, ENV);
        GatehouseConfig c = result.config();

        assertThat(result.warnings()).isEmpty();
        assertThat(c.source()).isEqualTo(SOURCE);
        assertThat(c.server()).isEqualTo(new ServerConfig("0.0.0.0", 9090, 16L << 20, 4, java.time.Duration.ofSeconds(45)));

        assertThat(c.providers()).containsOnlyKeys("openai", "azure", "claude", "demo");
        ProviderConfig openai = c.providers().get("openai");
        assertThat(openai).isEqualTo(new ProviderConfig("openai", "openai", "https://api.openai.com/v1", "sk-openai",
                null, Map.of("OpenAI-Organization", "org-1"),
                new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofMinutes(10)),
                true, null, List.of(), false));
        ProviderConfig azure = c.providers().get("azure");
        assertThat(azure.kind()).isEqualTo("azure-openai");
        assertThat(azure.baseUrl()).isEqualTo("https://myres.openai.azure.com");
        assertThat(azure.apiVersion()).isEqualTo("2024-10-21");
        assertThat(azure.apiKey()).isEqualTo("az-key");
        assertThat(azure.timeouts()).isEqualTo(Timeouts.INHERIT);
        ProviderConfig claude = c.providers().get("claude");
        assertThat(claude.baseUrl()).as("provider's own default, decided by the adapter").isNull();
        assertThat(claude.passthrough()).isFalse();
        assertThat(claude.mock()).isNull();
        assertThat(c.providers().get("demo").mock()).isEqualTo(new MockSettings(5, 12, 20, 2, 64));

        ModelConfig mini = c.models().get("gpt-4o-mini");
        assertThat(mini.name()).isEqualTo("gpt-4o-mini");
        assertThat(mini.type()).isEqualTo("chat");
        assertThat(mini.timeouts()).isEqualTo(new Timeouts(null, Duration.ofSeconds(30), null, null));
        assertThat(mini.targets()).containsExactly(
                new TargetConfig("openai", "gpt-4o-mini-2024-07-18", new Timeouts(null, null, Duration.ofSeconds(10), null)),
                new TargetConfig("azure", "my-deployment", Timeouts.INHERIT));
        assertThat(c.models().get("embed").type()).isEqualTo("embedding");
        assertThat(c.models().get("embed").targets()).containsExactly(new TargetConfig("demo", "embed", Timeouts.INHERIT));

        assertThat(c.auth().masterKey()).isEqualTo("gh-master");
        assertThat(c.storage()).isEqualTo(new StorageConfig("jdbc:postgresql://127.0.0.1:5432/test", "gh", "secret"));
    }

    @Test
    void providersAndModelsKeepFileOrder() {
        String yaml = """
                providers:
                  zeta: {kind: mock}
                  alpha: {kind: mock}
                  mid: {kind: mock}
                models:
                  z-model: {targets: [{provider: zeta}]}
                  a-model: {targets: [{provider: alpha}]}
                  m-model: {targets: [{provider: mid}]}
                  b-model: {targets: [{provider: mid}]}
                """;
        GatehouseConfig c = ConfigLoader.parse(yaml, SOURCE, Map.of());
        assertThat(c.providers().keySet()).containsExactly("zeta", "alpha", "mid");
        assertThat(c.models().keySet()).containsExactly("z-model", "a-model", "m-model", "b-model");
    }

    @Test
    void readsTheDrainTimeoutZeroMeaningNoWait() {
        String models = "providers: {m: {kind: mock}}\nmodels: {x: {targets: [{provider: m}]}}\n";
        assertThat(ConfigLoader.parse("server: {drain-timeout: 2m}\n" + models, SOURCE, Map.of()).server().drainTimeout())
                .isEqualTo(Duration.ofMinutes(2));
        assertThat(ConfigLoader.parse("server: {drain-timeout: 0s}\n" + models, SOURCE, Map.of()).server().drainTimeout())
                .isEqualTo(Duration.ZERO);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.parse("server: {drain-timeout: soon}\n" + models, SOURCE, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("server.drain-timeout");
    }

    @Test
    void appliesDefaultsForOptionalSections() {
        String yaml = """
                providers:
                  local: {kind: openai, base-url: "http://localhost:11434/v1/"}
                  m: {kind: mock, mock: {output-tokens: 3}}
                models:
                  llama: {targets: [{provider: local}]}
                """;
        GatehouseConfig c = ConfigLoader.parse(yaml, SOURCE, Map.of());
        assertThat(c.server()).isEqualTo(ServerConfig.defaults());
        assertThat(c.server().maxBodyBytes()).isEqualTo(32L * 1024 * 1024);
        assertThat(c.server().drainTimeout()).isEqualTo(Duration.ofSeconds(30));
        ProviderConfig local = c.providers().get("local");
        assertThat(local.baseUrl()).as("trailing slash dropped").isEqualTo("http://localhost:11434/v1");
        assertThat(local.apiKey()).isEmpty();
        assertThat(local.passthrough()).isTrue();
        assertThat(local.headers()).isEmpty();
        assertThat(local.timeouts()).isEqualTo(Timeouts.INHERIT);
        assertThat(c.providers().get("m").mock())
                .isEqualTo(new MockSettings(0, 3, 20, 1, 256));
        ModelConfig llama = c.models().get("llama");
        assertThat(llama.type()).isEqualTo("chat");
        assertThat(llama.targets().get(0).model()).isEqualTo("llama");
        assertThat(c.auth().masterKey()).isNull();
        assertThat(c.storage()).isEqualTo(new StorageConfig(null, null, null));
    }

    @Test
    void mockKindWithoutMockSectionUsesDefaults() {
        GatehouseConfig c = ConfigLoader.parse(
                "providers: {m: {kind: mock}}\nmodels: {x: {targets: [{provider: m}]}}\n", SOURCE, Map.of());
        assertThat(c.providers().get("m").mock()).isEqualTo(MockSettings.DEFAULTS);
    }

    @Test
    void emptyMasterKeyMeansNotConfigured() {
        GatehouseConfig c = ConfigLoader.parse("""
                providers: {m: {kind: mock}}
                models: {x: {targets: [{provider: m}]}}
                auth: {master-key: ""}
                storage: {url: ""}
                """, SOURCE, Map.of());
        assertThat(c.auth().masterKey()).isNull();
        assertThat(c.storage().url()).isNull();
    }

    @Test
    void demoConfigLoadsAndServesEveryDemoModelFromTheMock() {
        GatehouseConfig demo = ConfigLoader.demo();
        assertThat(demo.source()).isNull();
        assertThat(demo.providers()).containsOnlyKeys("mock");
        assertThat(demo.providers().get("mock").kind()).isEqualTo("mock");
        assertThat(demo.providers().get("mock").mock()).isEqualTo(MockSettings.DEFAULTS);
        assertThat(demo.models().keySet())
                .containsExactly("gpt-4o-mini", "gpt-4o", "claude-sonnet-4-5", "text-embedding-3-small", "dall-e-3",
                        "gpt-image-1", "whisper-1", "tts-1", "omni-moderation-latest", "rerank-v3.5");
        assertThat(demo.models().get("text-embedding-3-small").type()).isEqualTo("embedding");
        assertThat(demo.models().get("gpt-4o").type()).isEqualTo("chat");
        assertThat(demo.models().values())
                .allSatisfy(m -> assertThat(m.targets()).extracting(TargetConfig::provider).containsExactly("mock"));
        assertThat(demo.server()).isEqualTo(ServerConfig.defaults());
        // The demo must not produce warnings when GATEHOUSE_MASTER_KEY is unset.
        assertThat(ConfigLoader.parseWithWarnings(ConfigLoader.demoText(), null, Map.of()).warnings()).isEmpty();
    }

    @Test
    void loadReadsAFileAndNamesItInMessages(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, "providers: {m: {kind: mock}}\nmodels: {x: {targets: [{provider: m}]}}\n");
        assertThat(ConfigLoader.load(file).source()).isEqualTo(file);

        Files.writeString(file, "models: {}\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file + ":1: models: no models configured");
    }

    @Test
    void missingFileIsAConfigException(@TempDir Path dir) {
        Path file = dir.resolve("nope.yaml");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file + ": cannot read the config file");
    }
}
