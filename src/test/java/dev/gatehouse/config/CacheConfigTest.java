package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The cache section: off by default, every setting read, every mistake named. */
class CacheConfigTest {
    static final Path SOURCE = Path.of("gatehouse.yaml");
    static final String MODELS = """
            providers:
              m: {kind: mock}
            models:
              chat: {targets: [{provider: m}]}
              mini: {targets: [{provider: m}]}
              embed: {type: embedding, targets: [{provider: m}]}
            """;

    @Test
    void offByDefault() {
        GatehouseConfig config = ConfigLoader.parse(MODELS, SOURCE, Map.of());
        assertThat(config.cache()).isEqualTo(CacheConfig.OFF);
        assertThat(config.cache().enabled()).isFalse();
        assertThat(config.cache().semantic().enabled()).isFalse();
    }

    @Test
    void everySettingIsRead() {
        GatehouseConfig config = ConfigLoader.parse(MODELS + """
                redis: {url: "redis://127.0.0.1:6379"}
                cache:
                  enabled: true
                  store: redis
                  max-size: 64MB
                  max-entry-size: 1MB
                  ttl: 10m
                  model-ttl: {mini: 30s, chat: 0s}
                  teams: [red, blue]
                  disabled-teams: [blue]
                  shared-across-teams: true
                  semantic: {embedding-model: embed, threshold: 0.92, max-entries-per-partition: 50, max-partitions: 7, max-input-chars: 900}
                """, SOURCE, Map.of());
        CacheConfig c = config.cache();
        assertThat(c).isEqualTo(new CacheConfig(true, "redis", 64_000_000L, 1_000_000L, Duration.ofMinutes(10),
                Map.of("mini", Duration.ofSeconds(30), "chat", Duration.ZERO), Set.of("red", "blue"), Set.of("blue"), true,
                new CacheConfig.Semantic(true, "embed", 0.92, 50, 7, 900)));
        assertThat(c.ttlFor("mini")).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.ttlFor("other")).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.appliesTo("red")).isTrue();
        assertThat(c.appliesTo("blue")).isFalse();
        assertThat(c.appliesTo("green")).isFalse();
        assertThat(c.appliesTo(null)).isFalse();
        assertThat(CacheConfig.OFF.appliesTo(null)).isTrue(); // no list: every caller
    }

    @Test
    void mistakesAreNamed() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(MODELS + """
                cache:
                  enabled: yes-please
                  store: redis
                  model-ttl: {gpt-9: 1m}
                  ttl: 0s
                  semantic: {embedding-model: chat, threshold: 1.5}
                  colour: blue
                """, SOURCE, Map.of()));
        assertThat(e.getMessage())
                .contains("cache.enabled").contains("must be true or false")
                .contains("cache.store").contains("needs redis.url")
                .contains("cache.model-ttl.gpt-9").contains("no model 'gpt-9'")
                .contains("cache.ttl")
                .contains("cache.semantic.embedding-model").contains("not an embedding model")
                .contains("cache.semantic.threshold")
                .contains("cache.colour");
    }
}
