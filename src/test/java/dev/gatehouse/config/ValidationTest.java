package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each kind of mistake, with the exact file:line: key.path the user has to look at. */
class ValidationTest {

    static final Path SOURCE = Path.of("gatehouse.yaml");

    private static List<String> problems(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, SOURCE, Map.of()));
        assertThat(e).as("expected a ConfigException").isNotNull();
        assertThat(e.getMessage()).contains(e.problems());
        return e.problems();
    }

    private static final String OK_TAIL = """
            providers:
              m: {kind: mock}
            models:
              x: {targets: [{provider: m}]}
            """;

    @Test
    void unknownTargetProviderListsConfiguredOnes() {
        assertThat(problems("""
                providers:
                  openai: {kind: openai}
                  mock: {kind: mock}
                models:
                  gpt-4o-mini:
                    targets:
                      - provider: opnai
                """)).containsExactly(
                "gatehouse.yaml:7: models.gpt-4o-mini.targets[0].provider: unknown provider 'opnai' (configured: openai, mock)");
    }

    @Test
    void unknownKeysWithSuggestions() {
        assertThat(problems("""
                server:
                  prot: 8080
                providers:
                  m: {kind: mock, base_url: "http://x"}
                models:
                  x: {targets: [{provider: m, modle: y}]}
                sotrage: {}
                """)).containsExactly(
                "gatehouse.yaml:2: server.prot: unknown key (did you mean 'port'?) (allowed: host, port, max-body-size, event-loops, request-timeout, max-upload-size, drain-timeout, max-in-flight, "
                        + "max-connections, max-headers, max-header-size, max-request-line, tls)",
                "gatehouse.yaml:4: providers.m.base_url: unknown key (did you mean 'base-url'?)"
                        + " (allowed: kind, base-url, api-key, api-keys, api-version, headers, timeouts, passthrough, zdr, responses, mock, tls)",
                "gatehouse.yaml:6: models.x.targets[0].modle: unknown key (did you mean 'model'?) (allowed: provider, model, timeouts, weight, context-window, rpm, tpm)",
                "gatehouse.yaml:7: sotrage: unknown key (did you mean 'storage'?) (allowed: server, providers, models, routing, auth, storage, redis, budgets, secrets, observability, zdr, request-log, outbound, guardrails, cache, responses, mcp, rag)");
    }

    @Test
    void responsesFlagOnlyForOpenAiKind() {
        assertThat(problems("""
                providers:
                  a: {kind: anthropic, responses: true}
                  o: {kind: openai, responses: true}
                models:
                  x: {targets: [{provider: a}, {provider: o}]}
                responses: {retention: 0s}
                """)).containsExactly("gatehouse.yaml:2: providers.a.responses: only valid for kind openai, not anthropic");
    }

    @Test
    void wrongTypes() {
        assertThat(problems("""
                server:
                  port: 70000
                  event-loops: many
                  host: [a, b]
                providers:
                  m: {kind: mock, passthrough: maybe, headers: [x]}
                models:
                  x: {targets: {provider: m}}
                """)).containsExactly(
                "gatehouse.yaml:2: server.port: must be an integer 1-65535, got '70000'",
                "gatehouse.yaml:3: server.event-loops: must be an integer 0-1024, got 'many'",
                "gatehouse.yaml:4: server.host: must be a single value, got a list",
                "gatehouse.yaml:6: providers.m.headers: must be a mapping of keys to values, got a list",
                "gatehouse.yaml:6: providers.m.passthrough: must be true or false, got 'maybe'",
                "gatehouse.yaml:8: models.x.targets: must be a list, got a mapping");
    }

    @Test
    void portZeroAndNonIntegerPortsAreRejected() {
        assertThat(problems("server: {port: 0}\n" + OK_TAIL))
                .containsExactly("gatehouse.yaml:1: server.port: must be an integer 1-65535, got '0'");
        assertThat(problems("server: {port: 80.5}\n" + OK_TAIL))
                .containsExactly("gatehouse.yaml:1: server.port: must be an integer 1-65535, got '80.5'");
    }

    @Test
    void missingRequiredKeys() {
        assertThat(problems("""
                providers:
                  p: {api-key: k}
                models:
                  x:
                    targets:
                      - model: y
                """)).containsExactly(
                "gatehouse.yaml:2: providers.p: missing required key 'kind' (one of: openai, azure-openai, mock, anthropic, gemini, bedrock, vertex, vertex-anthropic, mistral, cohere)",
                "gatehouse.yaml:6: models.x.targets[0]: missing required key 'provider'");
    }

    @Test
    void unknownProviderKind() {
        assertThat(problems("""
                providers:
                  p: {kind: opnai}
                models:
                  x: {targets: [{provider: p}]}
                """)).containsExactly(
                "gatehouse.yaml:2: providers.p.kind: unknown provider kind 'opnai' (did you mean 'openai'?)"
                        + " (known: openai, azure-openai, mock, anthropic, gemini, bedrock, vertex, vertex-anthropic, mistral, cohere)");
    }

    @Test
    void anthropicAndGeminiKindsAreAccepted() {
        GatehouseConfig c = ConfigLoader.parse("""
                providers:
                  a: {kind: anthropic}
                  g: {kind: gemini}
                models:
                  x: {targets: [{provider: a}, {provider: g}]}
                """, SOURCE, Map.of());
        assertThat(c.providers().get("a").kind()).isEqualTo("anthropic");
        assertThat(c.providers().get("g").kind()).isEqualTo("gemini");
    }

    @Test
    void azureNeedsBaseUrlAndApiVersion() {
        assertThat(problems("""
                providers:
                  az:
                    kind: azure-openai
                    api-key: k
                models:
                  x: {targets: [{provider: az}]}
                """)).containsExactly(
                "gatehouse.yaml:2: providers.az: missing required key 'base-url' (azure-openai needs https://<resource>.openai.azure.com)",
                "gatehouse.yaml:2: providers.az: missing required key 'api-version' (azure-openai needs e.g. 2024-10-21)");
    }

    @Test
    void kindSpecificKeysOnOtherKinds() {
        assertThat(problems("""
                providers:
                  o:
                    kind: openai
                    api-version: 2024-10-21
                    mock: {latency: 1s}
                models:
                  x: {targets: [{provider: o}]}
                """)).containsExactly(
                "gatehouse.yaml:4: providers.o.api-version: only valid for kind azure-openai, not openai",
                "gatehouse.yaml:5: providers.o.mock: only valid for kind mock, not openai");
    }

    @Test
    void everyModelNeedsATarget() {
        assertThat(problems("""
                providers: {m: {kind: mock}}
                models:
                  a: {type: chat}
                  b:
                    targets: []
                  c:
                """)).containsExactly(
                "gatehouse.yaml:3: models.a: every model needs at least one target: add 'targets:'",
                "gatehouse.yaml:5: models.b.targets: every model needs at least one target",
                "gatehouse.yaml:6: models.c: every model needs at least one target: add 'targets:'");
    }

    @Test
    void badDurationsSizesUrlsAndTypes() {
        assertThat(problems("""
                server: {max-body-size: 32 megs}
                providers:
                  o:
                    kind: openai
                    base-url: api.openai.com
                    timeouts: {connect: 1.5s, idle: 0}
                  m: {kind: mock, mock: {latency: soon, tokens-per-chunk: 0}}
                models:
                  x: {type: embeding, targets: [{provider: m}]}
                storage: {url: "jdbc:mysql://db/x"}
                """)).containsExactly(
                "gatehouse.yaml:1: server.max-body-size: invalid size '32 megs' (use bytes, or e.g. 512KiB, 32MiB, 1GiB, 10MB)",
                "gatehouse.yaml:5: providers.o.base-url: must be an http:// or https:// URL, got 'api.openai.com'",
                "gatehouse.yaml:6: providers.o.timeouts.connect: invalid duration '1.5s' (use e.g. 250ms, 30s, 5m, 1h, or a number of milliseconds)",
                "gatehouse.yaml:6: providers.o.timeouts.idle: must be longer than 0",
                "gatehouse.yaml:7: providers.m.mock.latency: invalid duration 'soon' (use e.g. 250ms, 30s, 5m, 1h, or a number of milliseconds)",
                "gatehouse.yaml:7: providers.m.mock.tokens-per-chunk: must be an integer 1-1000000, got '0'",
                "gatehouse.yaml:9: models.x.type: unknown model type 'embeding' (did you mean 'embedding'?) (one of: chat, embedding, image, transcription, speech, moderation, rerank)",
                "gatehouse.yaml:10: storage.url: unsupported database URL 'jdbc:mysql://db/x' (use jdbc:sqlite:<file> or jdbc:postgresql://host:port/db)");
    }

    @Test
    void emptyOrCommentOnlyFileHasNoModels() {
        assertThat(problems("")).containsExactly("gatehouse.yaml:1: models: no models configured (the file is empty)");
        assertThat(problems("# just a comment\n\n# another\n"))
                .containsExactly("gatehouse.yaml:1: models: no models configured (the file is empty)");
        assertThat(problems("server: {port: 8080}\n")).containsExactly("gatehouse.yaml:1: models: no models configured");
        assertThat(problems("server: {port: 8080}\nmodels:\n")).containsExactly("gatehouse.yaml:2: models: no models configured");
    }

    @Test
    void yamlSyntaxErrorsNameTheLine() {
        List<String> p = problems("providers:\n  m: {kind: mock\nmodels: {}\n");
        assertThat(p).hasSize(1);
        assertThat(p.get(0)).startsWith("gatehouse.yaml:3: invalid YAML:");
        assertThat(problems("- a\n- b\n")).containsExactly(
                "gatehouse.yaml:1: the file must be a mapping with the sections server, providers, models, auth, storage");
    }

    @Test
    void duplicateKeysAreReported() {
        assertThat(problems("""
                providers:
                  m: {kind: mock}
                  m: {kind: openai}
                models:
                  x: {targets: [{provider: m}]}
                """)).containsExactly("gatehouse.yaml:3: providers.m: duplicate key (first at line 2)");
    }

    @Test
    void invalidProviderDoesNotCascadeIntoModelErrors() {
        // The model refers to a provider that exists but is broken: only the provider is reported.
        assertThat(problems("""
                providers:
                  p: {kind: nope}
                models:
                  x: {targets: [{provider: p}]}
                """)).hasSize(1).allMatch(s -> s.startsWith("gatehouse.yaml:2: providers.p.kind:"));
    }

    @Test
    void reportsAllProblemsTogetherInFileOrder() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse("""
                server:
                  port: -1
                providers:
                  openai: {kind: openai, timeout: 5s}
                models:
                  gpt-4o-mini:
                    targets:
                      - provider: opnai
                  empty: {}
                """, SOURCE, Map.of()));
        assertThat(e.problems()).containsExactly(
                "gatehouse.yaml:2: server.port: must be an integer 1-65535, got '-1'",
                "gatehouse.yaml:4: providers.openai.timeout: unknown key (did you mean 'timeouts'?)"
                        + " (allowed: kind, base-url, api-key, api-keys, api-version, headers, timeouts, passthrough, zdr, responses, mock, tls)",
                "gatehouse.yaml:8: models.gpt-4o-mini.targets[0].provider: unknown provider 'opnai' (configured: openai)",
                "gatehouse.yaml:9: models.empty: every model needs at least one target: add 'targets:'");
        assertThat(e.getMessage()).startsWith("Invalid configuration, 4 problems:\n  gatehouse.yaml:2: server.port:");
    }

    @Test
    void demoSourceIsNamedInMessages() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse("models: {}", null, Map.of()));
        assertThat(e.getMessage()).isEqualTo("Invalid configuration: demo.yaml (built-in):1: models: no models configured");
    }
}
