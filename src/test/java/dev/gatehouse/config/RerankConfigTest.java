package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Models of type rerank and {@code rag.rerank-model}: read, and a model of another type named. */
class RerankConfigTest {
    static final Path SOURCE = Path.of("gatehouse.yaml");
    static final String MODELS = """
            providers:
              m: {kind: mock}
            models:
              chat: {targets: [{provider: m}]}
              embed: {type: embedding, targets: [{provider: m}]}
              ranker: {type: rerank, targets: [{provider: m}]}
            """;

    @Test
    void noRerankingByDefault() {
        GatehouseConfig config = ConfigLoader.parse(MODELS, SOURCE, Map.of());
        assertThat(config.models().get("ranker").type()).isEqualTo("rerank");
        assertThat(config.rag().rerankModel()).isNull();
    }

    @Test
    void theDefaultRerankModelIsRead() {
        GatehouseConfig config = ConfigLoader.parse(MODELS + "rag: {rerank-model: ranker}\n", SOURCE, Map.of());
        assertThat(config.rag().rerankModel()).isEqualTo("ranker");
    }

    @Test
    void aModelOfAnotherTypeIsNamed() {
        for (String model : new String[] {"chat", "embed", "missing"}) {
            ConfigException e = catchThrowableOfType(ConfigException.class,
                    () -> ConfigLoader.parse(MODELS + "rag: {rerank-model: " + model + "}\n", SOURCE, Map.of()));
            assertThat(e).isNotNull();
            assertThat(e.getMessage()).contains("rag.rerank-model").contains("'" + model + "' is not a configured model of type rerank");
        }
    }
}
