package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The config sections of pricing overrides, budgets and Redis. */
class BudgetsConfigTest {
    static final Path SOURCE = Path.of("gatehouse.yaml");
    static final String MODELS = """
            providers:
              mock: {kind: mock}
            models:
              house:
                pricing: {input: 2.50, cached-input: "1.25", output: 10, max-output: 32768}
                targets: [{provider: mock, model: gpt-4o}]
              plain:
                targets: [{provider: mock}]
            """;

    @Test
    void readsPricingBudgetsAndRedis() {
        GatehouseConfig c = ConfigLoader.parse(MODELS + """
                budgets:
                  alert-webhook: https://hooks.example.com/x
                  alert-thresholds: [100, 50%, 80]
                  alert-timeout: 2s
                  default-max-output-tokens: 1000
                  reservation-lease: 20m
                redis: {url: "redis://127.0.0.1:6379", key-prefix: "staging:"}
                """, SOURCE, Map.of());
        ModelConfig.PricingOverride p = c.models().get("house").pricing();
        assertThat(p.input()).isEqualTo(2_500_000L);
        assertThat(p.cachedInput()).isEqualTo(1_250_000L);
        assertThat(p.output()).isEqualTo(10_000_000L);
        assertThat(p.reasoning()).isNull();
        assertThat(p.maxOutputTokens()).isEqualTo(32768);
        assertThat(c.models().get("plain").pricing()).isNull();
        assertThat(c.budgets().alertWebhook()).isEqualTo("https://hooks.example.com/x");
        assertThat(c.budgets().alertThresholds()).containsExactly(50, 80, 100);
        assertThat(c.budgets().alertTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.budgets().defaultMaxOutputTokens()).isEqualTo(1000);
        assertThat(c.budgets().reservationLease()).isEqualTo(Duration.ofMinutes(20));
        assertThat(c.redis().enabled()).isTrue();
        assertThat(c.redis().keyPrefix()).isEqualTo("staging:");
        assertThat(c.redis().rateLimitsOnOutage()).isEqualTo(RedisConfig.OutagePolicy.FAIL_CLOSED);
        assertThat(c.redis().expectedNodes()).isEqualTo(1);
    }

    @Test
    void readsTheOutagePolicyPerKindOfState() {
        GatehouseConfig c = ConfigLoader.parse(MODELS + """
                redis:
                  url: "redis://127.0.0.1:6379"
                  expected-nodes: 3
                  on-outage: {rate-limits: local}
                """, SOURCE, Map.of());
        assertThat(c.redis().rateLimitsOnOutage()).isEqualTo(RedisConfig.OutagePolicy.LOCAL);
        assertThat(c.redis().budgetsOnOutage()).isEqualTo(RedisConfig.OutagePolicy.FAIL_CLOSED);
        assertThat(c.redis().expectedNodes()).isEqualTo(3);
    }

    @Test
    void aSentinelUrlIsAcceptedWithItsMasterNameAndRefusedWithout() {
        GatehouseConfig c = ConfigLoader.parse(MODELS + """
                redis: {url: "redis-sentinel://:s3cret@s1:26379,s2:26379#gh-master"}
                """, SOURCE, Map.of());
        assertThat(c.redis().url()).isEqualTo("redis-sentinel://:s3cret@s1:26379,s2:26379#gh-master");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(MODELS + """
                redis: {url: "redis-sentinel://:s3cret@s1:26379"}
                """, SOURCE, Map.of()));
        assertThat(e.getMessage()).contains("redis.url").contains("names the master after '#'").doesNotContain("s3cret");
        e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(MODELS + """
                redis: {url: "redis-ring://:s3cret@n1:6379"}
                """, SOURCE, Map.of()));
        assertThat(e.getMessage()).contains("redis.url").contains("unsupported Redis URL").doesNotContain("s3cret");
    }

    @Test
    void aClusterUrlIsAcceptedWithItsNodesAndRefusedWithout() {
        GatehouseConfig c = ConfigLoader.parse(MODELS + """
                redis: {url: "redis-cluster://:s3cret@n1:6379,n2:6379,n3:6380"}
                """, SOURCE, Map.of());
        assertThat(c.redis().url()).isEqualTo("redis-cluster://:s3cret@n1:6379,n2:6379,n3:6380");
        for (String bad : List.of("redis-cluster://:s3cret@", "redis-cluster://:s3cret@n1:6379,,n2", "redis-cluster://:s3cret@n1:6379#m")) {
            ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(MODELS
                    + "redis: {url: \"" + bad + "\"}\n", SOURCE, Map.of()));
            assertThat(e.getMessage()).as(bad).contains("redis.url").contains("Redis Cluster URL lists one or more nodes")
                    .doesNotContain("s3cret");
        }
    }

    @Test
    void defaultsWithoutTheSections() {
        GatehouseConfig c = ConfigLoader.parse(MODELS, SOURCE, Map.of());
        assertThat(c.budgets().alertThresholds()).isEqualTo(List.of(80, 100));
        assertThat(c.budgets().alertWebhook()).isNull();
        assertThat(c.redis().enabled()).isFalse();
        assertThat(c.redis().keyPrefix()).isEqualTo("gh:");
        assertThat(c.budgets().reservationLease()).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void badValuesAreReportedWithTheirPath() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse("""
                providers:
                  mock: {kind: mock}
                models:
                  house:
                    pricing: {input: 0.0000001, output: cheap, bogus: 1}
                    targets: [{provider: mock}]
                budgets: {alert-webhook: ftp://x, alert-thresholds: [0], reservation-lease: 0s}
                redis: {url: "localhost:6379", key-prefix: "a b", expected-nodes: 0, on-outage: {budgets: open, other: local}}
                """, SOURCE, Map.of()));
        assertThat(e.getMessage())
                .contains("models.house.pricing.input").contains("6 decimals")
                .contains("models.house.pricing.output").contains("not a number")
                .contains("bogus")
                .contains("budgets.alert-webhook")
                .contains("budgets.alert-thresholds")
                .contains("budgets.reservation-lease")
                .contains("redis.url")
                .contains("redis.key-prefix")
                .contains("redis.expected-nodes")
                .contains("redis.on-outage.budgets").contains("'fail-closed' or 'local'")
                .contains("other");
    }
}
