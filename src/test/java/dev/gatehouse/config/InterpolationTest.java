package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InterpolationTest {

    static final Path SOURCE = Path.of("gatehouse.yaml");

    private static ConfigLoader.Result parse(String apiKeyValue, Map<String, String> env) {
        String yaml = """
                providers:
                  openai:
                    kind: openai
                    api-key: %s
                models: {m: {targets: [{provider: openai}]}}
                """.formatted(apiKeyValue);
        return ConfigLoader.parseWithWarnings(yaml, SOURCE, env);
    }

    private static String apiKey(ConfigLoader.Result r) {
        return r.config().providers().get("openai").apiKey();
    }

    @Test
    void substitutesSetVariables() {
        ConfigLoader.Result r = parse("\"Bearer-${KEY}-${SUFFIX}\"", Map.of("KEY", "sk-1", "SUFFIX", "x"));
        assertThat(apiKey(r)).isEqualTo("Bearer-sk-1-x");
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void usesDefaultWhenUnsetOrEmpty() {
        assertThat(apiKey(parse("${KEY:-fallback}", Map.of()))).isEqualTo("fallback");
        assertThat(apiKey(parse("${KEY:-fallback}", Map.of("KEY", "")))).isEqualTo("fallback");
        assertThat(apiKey(parse("${KEY:-fallback}", Map.of("KEY", "real")))).isEqualTo("real");
        assertThat(apiKey(parse("${KEY:-}", Map.of()))).isEmpty();
        assertThat(parse("${KEY:-}", Map.of()).warnings()).isEmpty();
    }

    @Test
    void unsetVariableWithoutDefaultIsEmptyAndWarnsWithLocation() {
        ConfigLoader.Result r = parse("${OPENAI_API_KEY}", Map.of());
        assertThat(apiKey(r)).isEmpty();
        assertThat(r.warnings()).containsExactly(
                "gatehouse.yaml:4: providers.openai.api-key: environment variable OPENAI_API_KEY is not set; using an empty value");
    }

    @Test
    void setButEmptyVariableDoesNotWarn() {
        ConfigLoader.Result r = parse("${OPENAI_API_KEY}", Map.of("OPENAI_API_KEY", ""));
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void doubleDollarEscapesALiteralReference() {
        assertThat(apiKey(parse("\"$${KEY} and ${KEY}\"", Map.of("KEY", "v")))).isEqualTo("${KEY} and v");
        assertThat(apiKey(parse("a$b$$c", Map.of()))).isEqualTo("a$b$$c");
    }

    @Test
    void interpolatesTypedValuesBeforeCheckingThem() {
        String yaml = """
                server: {port: "${PORT:-8081}", max-body-size: "${BODY}"}
                providers: {m: {kind: mock}}
                models: {x: {targets: [{provider: m}]}}
                """;
        GatehouseConfig c = ConfigLoader.parse(yaml, SOURCE, Map.of("BODY", "1KiB"));
        assertThat(c.server().port()).isEqualTo(8081);
        assertThat(c.server().maxBodyBytes()).isEqualTo(1024);
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, SOURCE, Map.of("PORT", "http", "BODY", "1")))
                .hasMessageContaining("gatehouse.yaml:1: server.port: must be an integer 1-65535, got 'http'");
    }

    @Test
    void malformedReferencesAreErrors() {
        assertThatThrownBy(() -> parse("\"${KEY\"", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gatehouse.yaml:4: providers.openai.api-key: unclosed '${'");
        assertThatThrownBy(() -> parse("\"${1BAD}\"", Map.of()))
                .hasMessageContaining("gatehouse.yaml:4: providers.openai.api-key: invalid variable reference '${1BAD}'");
    }

    @Test
    void keysAreNotInterpolated() {
        assertThatThrownBy(() -> ConfigLoader.parse("""
                providers: {m: {kind: mock, "${X}": 1}}
                models: {x: {targets: [{provider: m}]}}
                """, SOURCE, Map.of("X", "base-url")))
                .hasMessageContaining("providers.m.${X}: unknown key");
    }

    @Test
    void readsASecretFromAFileWithoutItsTrailingLineBreak(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path secret = dir.resolve("openai-key");
        java.nio.file.Files.writeString(secret, "sk-from-file\n");
        assertThat(apiKey(parse("\"${file:" + secret + "}\"", Map.of()))).isEqualTo("sk-from-file");
    }

    @Test
    void aMissingSecretFileIsAnErrorThatNamesTheFile() {
        assertThatThrownBy(() -> parse("\"${file:/nonexistent/gatehouse-secret}\"", Map.of()))
                .hasMessageContaining("cannot read secret file '/nonexistent/gatehouse-secret'");
    }
}
