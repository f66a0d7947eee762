package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code models.<name>.router} and {@code capabilities}: what is read, and each mistake with file:line: key. */
class RouterConfigTest {
    static final Path SOURCE = Path.of("gatehouse.yaml");

    private static List<String> problems(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, SOURCE, Map.of()));
        assertThat(e).as("expected a ConfigException").isNotNull();
        return e.problems();
    }

    @Test
    void readsARouterModel() {
        GatehouseConfig config = ConfigLoader.parse("""
                providers:
                  m: {kind: mock}
                models:
                  small: {capabilities: [tools], targets: [{provider: m}]}
                  big: {capabilities: [vision, tools, json-schema], targets: [{provider: m}]}
                  auto:
                    router:
                      candidates: [small, big]
                      prefer: latency
                      latency-target: 2s
                      rules:
                        - {when: {header: {X-Task: code}}, use: big}
                        - {when: {team: research, key: [k1, k2]}, use: big}
                        - {when: {prompt-tokens-over: 50000}, use: big}
                        - {when: {last-message-matches: "(?i)\\\\b(prove|theorem)\\\\b"}, use: big}
                        - {when: {keywords: [translate, translation]}, use: small}
                """, SOURCE, Map.of());
        ModelConfig auto = config.models().get("auto");
        assertThat(auto.targets()).isEmpty();
        RouterConfig router = auto.router();
        assertThat(router.candidates()).containsExactly("small", "big");
        assertThat(router.prefer()).isEqualTo("latency");
        assertThat(router.latencyTarget()).isEqualTo(Duration.ofSeconds(2));
        assertThat(router.rules()).extracting(RouterConfig.Rule::number).containsExactly(1, 2, 3, 4, 5);
        assertThat(router.rules().get(0).when().headers()).containsExactly(Map.entry("x-task", "code"));
        assertThat(router.rules().get(1).when().teams()).containsExactly("research");
        assertThat(router.rules().get(1).when().keys()).containsExactly("k1", "k2");
        assertThat(router.rules().get(2).when().promptTokensOver()).isEqualTo(50000);
        assertThat(router.rules().get(3).when().lastMessageMatches().matcher("Prove it").find()).isTrue();
        assertThat(router.rules().get(4).when().keywordPattern().matcher("please TRANSLATE this").find()).isTrue();
        assertThat(router.rules().get(4).when().keywordPattern().matcher("untranslated").find()).isFalse();
        assertThat(config.models().get("big").capabilities()).containsExactly("vision", "tools", "json-schema");
        assertThat(config.models().get("small").router()).isNull();
    }

    @Test
    void preferDefaultsToCost() {
        GatehouseConfig config = ConfigLoader.parse("""
                providers:
                  m: {kind: mock}
                models:
                  a: {targets: [{provider: m}]}
                  auto: {router: {candidates: [a]}}
                """, SOURCE, Map.of());
        assertThat(config.models().get("auto").router().prefer()).isEqualTo("cost");
        assertThat(config.models().get("auto").router().rules()).isEmpty();
        assertThat(config.models().get("a").capabilities()).isNull();
    }

    @Test
    void unknownCandidateAndRuleModelNamedWithSuggestion() {
        assertThat(problems("""
                providers:
                  m: {kind: mock}
                models:
                  gpt-4o: {targets: [{provider: m}]}
                  auto:
                    router:
                      candidates: [gpt-4o, gpt-4p]
                      rules:
                        - {when: {team: x}, use: gpt4o}
                """)).containsExactly(
                "gatehouse.yaml:7: models.auto.router.candidates[1]: unknown model 'gpt-4p' (did you mean 'gpt-4o'?)"
                        + " (configured: gpt-4o, auto)",
                "gatehouse.yaml:9: models.auto.router.rules[0].use: unknown model 'gpt4o' (did you mean 'gpt-4o'?)"
                        + " (configured: gpt-4o, auto)");
    }

    @Test
    void badRegexUnknownConditionAndEmptyWhen() {
        List<String> problems = problems("""
                providers:
                  m: {kind: mock}
                models:
                  a: {targets: [{provider: m}]}
                  auto:
                    router:
                      candidates: [a]
                      rules:
                        - {when: {last-message-matches: "(unclosed"}, use: a}
                        - {when: {teem: research}, use: a}
                        - {when: {}, use: a}
                """);
        assertThat(problems).hasSize(3);
        assertThat(problems.get(0)).startsWith("gatehouse.yaml:9: models.auto.router.rules[0].when.last-message-matches: "
                + "not a valid regular expression: Unclosed group");
        assertThat(problems.get(1)).startsWith("gatehouse.yaml:10: models.auto.router.rules[1].when.teem: unknown key (did you mean 'team'?)")
                .contains("allowed: header, team, key, prompt-tokens-over, last-message-matches, keywords");
        assertThat(problems.get(2)).isEqualTo("gatehouse.yaml:11: models.auto.router.rules[2].when: a rule needs at least one condition"
                + " (one of: header, team, key, prompt-tokens-over, last-message-matches, keywords)");
    }

    @Test
    void routerMistakes() {
        List<String> problems = problems("""
                providers:
                  m: {kind: mock}
                models:
                  a: {targets: [{provider: m}], capabilities: [vision, telepathy]}
                  emb: {type: embedding, targets: [{provider: m}]}
                  inner: {router: {candidates: [a]}}
                  auto:
                    targets: [{provider: m}]
                    router:
                      candidates: [emb, inner, auto]
                      prefer: quality
                      latency-target: soon
                  none: {router: {prefer: cost}}
                """);
        assertThat(problems).contains(
                "gatehouse.yaml:4: models.a.capabilities: unknown capability 'telepathy' (one of: vision, tools, json-schema)",
                "gatehouse.yaml:8: models.auto.targets: a router model has no targets of its own: it routes to its candidates' targets",
                "gatehouse.yaml:10: models.auto.router.candidates[0]: 'emb' is an embedding model; a router serves chat requests",
                "gatehouse.yaml:10: models.auto.router.candidates[1]: 'inner' is itself a router; routers route to models with targets",
                "gatehouse.yaml:10: models.auto.router.candidates[2]: a router cannot route to itself",
                "gatehouse.yaml:11: models.auto.router.prefer: unknown preference 'quality' (one of: cost, latency)",
                "gatehouse.yaml:13: models.none.router: a router needs at least one candidate model: add 'candidates: [model, ...]'");
        assertThat(problems).anyMatch(p -> p.startsWith("gatehouse.yaml:12: models.auto.router.latency-target: "));
    }

    @Test
    void readsSemanticRouting() {
        GatehouseConfig config = ConfigLoader.parse("""
                providers:
                  m: {kind: mock}
                models:
                  a: {targets: [{provider: m}]}
                  b: {targets: [{provider: m}]}
                  emb: {type: embedding, targets: [{provider: m}]}
                  auto:
                    router:
                      candidates: [a, b]
                      semantic:
                        embedding-model: emb
                        min-similarity: 0.75
                        examples:
                          a: ["Translate to French", "Summarise this"]
                          b: "Write a proof"
                """, SOURCE, Map.of());
        RouterConfig.Semantic semantic = config.models().get("auto").router().semantic();
        assertThat(semantic.embeddingModel()).isEqualTo("emb");
        assertThat(semantic.minSimilarity()).isEqualTo(0.75);
        assertThat(semantic.examples()).containsExactly(
                Map.entry("a", List.of("Translate to French", "Summarise this")), Map.entry("b", List.of("Write a proof")));
    }

    @Test
    void semanticMistakes() {
        List<String> problems = problems("""
                providers:
                  m: {kind: mock}
                models:
                  a: {targets: [{provider: m}]}
                  auto:
                    router:
                      candidates: [a]
                      semantic:
                        embedding-model: a
                        min-similarity: 2
                        examples:
                          zz: ["hello"]
                """);
        assertThat(problems).containsExactly(
                "gatehouse.yaml:9: models.auto.router.semantic.embedding-model: 'a' is not an embedding model (add 'type: embedding' to it)",
                "gatehouse.yaml:10: models.auto.router.semantic.min-similarity: must be a number from -1 to 1, got '2'",
                "gatehouse.yaml:12: models.auto.router.semantic.examples.zz: unknown model 'zz' (configured: a, auto)");
    }

    @Test
    void aRouterModelCannotBeAFallback() {
        assertThat(problems("""
                providers:
                  m: {kind: mock}
                models:
                  a: {targets: [{provider: m}], fallbacks: [auto]}
                  auto: {router: {candidates: [a]}}
                """)).containsExactly("gatehouse.yaml:4: models.a.fallbacks: 'auto' is a router model and cannot be a fallback;"
                + " name the models it routes to instead");
    }
}
