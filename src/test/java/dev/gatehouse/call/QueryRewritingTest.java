package dev.gatehouse.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.RagConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a rewrite model's answer is read, and the rag.rewrite-model / rewrite-timeout settings. */
class QueryRewritingTest {
    static final String MODELS = """
            providers:
              m: {kind: mock}
            models:
              chat: {targets: [{provider: m}]}
              embed: {type: embedding, targets: [{provider: m}]}
            """;

    @Test
    void theQueryIsTheFirstLineWithoutLabelOrQuotes() {
        assertThat(QueryRewriting.query("lantern code")).isEqualTo("lantern code");
        assertThat(QueryRewriting.query("\n  Query: \"lantern   code\"  \nbecause it keeps the nouns")).isEqualTo("lantern code");
        assertThat(QueryRewriting.query("`'greenhouse keeper'`")).isEqualTo("greenhouse keeper");
        assertThat(QueryRewriting.query("word ".repeat(400))).hasSizeLessThanOrEqualTo(QueryRewriting.MAX_CHARS).endsWith("word");
        assertThatThrownBy(() -> QueryRewriting.query("  \n ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QueryRewriting.query("\"\"")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QueryRewriting.query(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSettingsAreReadAndCheckedAgainstTheModels() {
        assertThat(ConfigLoader.parse(MODELS, Path.of("g.yaml"), Map.of()).rag().rewriteModel()).isNull();
        GatehouseConfig config = ConfigLoader.parse(MODELS + "rag: {rewrite-model: chat, rewrite-timeout: 3s}\n", Path.of("g.yaml"),
                Map.of());
        assertThat(config.rag().rewriteModel()).isEqualTo("chat");
        assertThat(config.rag().rewriteTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(RagConfig.DEFAULTS.rewriteTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThatThrownBy(() -> ConfigLoader.parse(MODELS + "rag: {rewrite-model: embed, rewrite-timeout: 0s}\n", Path.of("g.yaml"),
                Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("rag.rewrite-model")
                .hasMessageContaining("not a configured chat model").hasMessageContaining("rag.rewrite-timeout");
        assertThatThrownBy(() -> ConfigLoader.parse(MODELS + "rag: {rewrite-model: nope}\n", Path.of("g.yaml"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'nope'");
    }
}
