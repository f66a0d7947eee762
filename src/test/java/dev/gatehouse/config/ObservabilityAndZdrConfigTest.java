package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The observability and zdr sections, the providers' zdr flag, their defaults and their mistakes. */
class ObservabilityAndZdrConfigTest {
    static final Path SOURCE = Path.of("gatehouse.yaml");
    static final String MODELS = """
            providers:
              m: {kind: mock}
              z: {kind: mock, zdr: true}
            models:
              x: {targets: [{provider: m}]}
            """;

    @Test
    void defaultsServeMetricsTraceNothingAndRetainAsUsual() {
        GatehouseConfig config = ConfigLoader.parse(MODELS, SOURCE, Map.of());
        assertThat(config.observability()).isEqualTo(ObservabilityConfig.DEFAULTS);
        assertThat(config.observability().metricsEnabled()).isTrue();
        assertThat(config.observability().tracingEnabled()).isFalse();
        assertThat(config.observability().jsonAccessLog()).isFalse();
        assertThat(config.zdr().any()).isFalse();
        assertThat(config.providers().get("m").zdr()).isFalse();
        assertThat(config.providers().get("z").zdr()).isTrue();
    }

    @Test
    void everySettingIsRead() {
        GatehouseConfig config = ConfigLoader.parse(MODELS + """
                observability:
                  metrics: {enabled: false}
                  tracing: {enabled: true, otlp-endpoint: "http://collector:4318", service-name: gw-eu}
                  access-log: {format: json}
                zdr:
                  teams: [team-legal]
                  keys: [key-123]
                """, SOURCE, Map.of());
        assertThat(config.observability()).isEqualTo(new ObservabilityConfig(false, true, "http://collector:4318", "gw-eu", "json"));
        assertThat(config.zdr()).isEqualTo(new ZdrConfig(false, Set.of("team-legal"), Set.of("key-123")));
        assertThat(config.zdr().applies("key-123", null)).isTrue();
        assertThat(config.zdr().applies("other", "team-legal")).isTrue();
        assertThat(config.zdr().applies("other", "team-sales")).isFalse();
        assertThat(config.zdr().applies(null, null)).isFalse();
        assertThat(new ZdrConfig(true, Set.of(), Set.of()).applies(null, null)).isTrue();
    }

    @Test
    void mistakesAreNamed() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(MODELS + """
                observability:
                  tracing: {otlp-endpoint: "collector:4318"}
                  access-log: {format: xml}
                zdr: {enabled: maybe, team: [a]}
                """, SOURCE, Map.of()));
        assertThat(e).isNotNull();
        assertThat(String.join("\n", e.problems()))
                .contains("observability.tracing.otlp-endpoint: must be an http:// or https:// URL")
                .contains("observability.access-log.format: must be 'text' or 'json', got 'xml'")
                .contains("zdr.enabled")
                .contains("zdr.team: unknown key (did you mean 'teams'?)");
    }

    @Test
    void requestLogBodiesNameTeamsAndDefaultToNone() {
        assertThat(ConfigLoader.parse(MODELS, SOURCE, Map.of()).requestLog().bodyTeams()).isEmpty();
        GatehouseConfig config = ConfigLoader.parse(MODELS + """
                request-log:
                  bodies: {teams: [team-support, team-research]}
                """, SOURCE, Map.of());
        assertThat(config.requestLog().bodyTeams()).containsExactlyInAnyOrder("team-support", "team-research");
        assertThat(config.requestLog().batchSize()).isEqualTo(RequestLogConfig.DEFAULTS.batchSize());

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(MODELS + """
                request-log:
                  bodies: {team: [a]}
                """, SOURCE, Map.of()));
        assertThat(e).isNotNull();
        assertThat(String.join("\n", e.problems())).contains("request-log.bodies.team: unknown key (did you mean 'teams'?)");
        ConfigException empty = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(MODELS + """
                request-log:
                  bodies: {teams: [""]}
                """, SOURCE, Map.of()));
        assertThat(empty).isNotNull();
        assertThat(String.join("\n", empty.problems())).contains("request-log.bodies.teams");
    }

    @Test
    void requestLogRawRowsAreAllByDefaultOrSampled() {
        assertThat(ConfigLoader.parse(MODELS, SOURCE, Map.of()).requestLog().rawRows()).isEqualTo(RequestLogConfig.RawRows.ALL);
        RequestLogConfig.RawRows sampled = ConfigLoader.parse(MODELS + """
                request-log:
                  raw-rows: {keep: sampled, sample: 5%, slow: 2s}
                """, SOURCE, Map.of()).requestLog().rawRows();
        assertThat(sampled.all()).isFalse();
        assertThat(sampled.sample()).isEqualTo(0.05);
        assertThat(sampled.slow()).isEqualTo(java.time.Duration.ofSeconds(2));
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(MODELS + """
                request-log:
                  raw-rows: {keep: some, sample: 1.5}
                """, SOURCE, Map.of()));
        assertThat(e).isNotNull();
        assertThat(String.join("\n", e.problems()))
                .contains("request-log.raw-rows.keep: must be 'all' or 'sampled', got 'some'")
                .contains("request-log.raw-rows.sample: must be a share from 0 to 1");
    }
}
