package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layer rules are not rules that cannot fail: each one, evaluated on the deliberately broken
 * classes under {@code dev.gatehouse.archfixture}, reports the class that breaks it; the
 * source-text check reports an upward reference, an unplaced package and a cycle, comments included.
 */
class ArchitectureRulesCanFailTest {
    private static final String FIXTURES = "dev.gatehouse.archfixture";
    private static JavaClasses fixtures;
    private static Map<String, ArchRule> rules;

    @BeforeAll
    static void importFixtures() {
        fixtures = new ClassFileImporter().importPackages(FIXTURES);
        rules = ArchitectureRules.forRoot(FIXTURES).all();
    }

    private static String violationsOf(String rule) {
        EvaluationResult result = rules.get(rule).evaluate(fixtures);
        assertThat(result.hasViolation()).as("rule '%s' reports the fixture that breaks it", rule).isTrue();
        return String.join("\n", result.getFailureReport().getDetails());
    }

    @Test
    void everyRuleIsExercised() {
        assertThat(rules).containsOnlyKeys("layers", "dialects", "governance", "provider", "call", "canonical", "root",
                "cycles");
    }

    @Test
    void layersReportAnUpwardDependencyAndAClassOutsideEveryLayer() {
        String report = violationsOf("layers");
        assertThat(report).contains("DialectUsingEndpoint", "FixtureEndpoint") // dialects -> endpoints
                .contains("CallUsingRouting", "RouterUsingExecutor") // call types -> routing
                .contains("StrayClass"); // a package missing from LAYERS
    }

    @Test
    void dialectUsingAnEndpointOrTheExecutorIsReported() {
        assertThat(violationsOf("dialects")).contains("DialectUsingEndpoint", "FixtureEndpoint", "FixtureExecutor");
    }

    @Test
    void routingUsingTheExecutorIsReported() {
        assertThat(violationsOf("governance")).contains("RouterUsingExecutor", "FixtureExecutor");
    }

    @Test
    void providerUsingADialectIsReported() {
        assertThat(violationsOf("provider")).contains("ProviderUsingDialect", "DialectUsingEndpoint");
    }

    @Test
    void callTypesUsingRoutingAreReported() {
        assertThat(violationsOf("call")).contains("CallUsingRouting", "RouterUsingExecutor");
    }

    @Test
    void canonicalModelUsingCallTypesIsReported() {
        assertThat(violationsOf("canonical")).contains("CanonicalUsingCall", "CallUsingRouting");
    }

    @Test
    void aPackageUsingTheCompositionRootIsReported() {
        assertThat(violationsOf("root")).contains("WebUsingRoot", FIXTURES + ".Gatehouse");
    }

    @Test
    void aCycleBetweenTopLevelPackagesIsReported() {
        assertThat(violationsOf("cycles")).contains("Cycle detected", "budget", "limits", "LedgerUsingLimits",
                "LimiterUsingBudget");
    }

    @Test
    void sourceTextCheckCountsCommentsAndInlineNames(@TempDir Path src) throws IOException {
        Path root = src.resolve("dev/gatehouse");
        write(root.resolve("dialect/openai/Codec.java"), """
                package dev.gatehouse.dialect.openai;
                /** Shaped like dev.gatehouse.api.openai.OpenAiApi wants it. */
                final class Codec {}
                """);
        write(root.resolve("budget/Ledger.java"), """
                package dev.gatehouse.budget;
                final class Ledger { Object limiter = new dev.gatehouse.limits.Limiter(); }
                """);
        write(root.resolve("limits/Limiter.java"), """
                package dev.gatehouse.limits;
                import dev.gatehouse.budget.Ledger;
                final class Limiter {}
                """);
        write(root.resolve("call/Call.java"), """
                package dev.gatehouse.call;
                final class Call { void up() { dev.gatehouse.Gatehouse.start(); } }
                """);
        write(root.resolve("unplaced/Thing.java"), """
                package dev.gatehouse.unplaced;
                import dev.gatehouse.call.Call;
                final class Thing {}
                """);

        List<String> violations = SourcePackageGraph.read(src, "dev.gatehouse").violations(ArchitectureRules.LAYERS);

        assertThat(violations).contains(
                "dialect -> api points up the layers (dialect/openai/Codec.java)",
                "call -> (root package) points up the layers (call/Call.java)",
                "package 'unplaced' (referenced in unplaced/Thing.java) has no place in ArchitectureRules.LAYERS",
                "cycle: budget -> limits (budget/Ledger.java) -> budget (limits/Limiter.java)");
    }

    @Test
    void sourceTextCheckAcceptsReferencesThatPointDown(@TempDir Path src) throws IOException {
        write(src.resolve("dev/gatehouse/gateway/Execution.java"), """
                package dev.gatehouse.gateway;
                import dev.gatehouse.routing.Router; // and dev.gatehouse.call.Call in a comment
                final class Execution {}
                """);
        write(src.resolve("dev/gatehouse/routing/Router.java"), "package dev.gatehouse.routing;\nfinal class Router {}\n");

        SourcePackageGraph graph = SourcePackageGraph.read(src, "dev.gatehouse");

        assertThat(graph.edges()).containsOnlyKeys("gateway");
        assertThat(graph.edges().get("gateway")).containsOnlyKeys("routing", "call");
        assertThat(graph.violations(ArchitectureRules.LAYERS)).isEmpty();
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
