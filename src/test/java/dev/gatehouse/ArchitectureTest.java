package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.nio.file.Path;

/**
 * The layers of docs/architecture.md, enforced on the compiled gateway (test classes and the
 * fixtures of {@link ArchitectureRulesCanFailTest} left out). The rules and the layer list live in
 * {@link ArchitectureRules}; a broken rule fails the build with ArchUnit's report naming each
 * offending class, member and line.
 */
@AnalyzeClasses(packages = "dev.gatehouse", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final ArchitectureRules RULES = ArchitectureRules.forRoot("dev.gatehouse");

    @ArchTest
    static final ArchRule each_layer_uses_only_the_layers_below = RULES.layers();

    @ArchTest
    static final ArchRule dialects_use_no_endpoint_or_executor = RULES.dialectsUseNoEndpointOrExecutor();

    @ArchTest
    static final ArchRule routing_access_and_governance_use_no_executor_or_endpoint = RULES.governanceUsesNoExecutorOrEndpoint();

    @ArchTest
    static final ArchRule provider_uses_no_dialect_or_routing = RULES.providerUsesNoDialectOrRouting();

    @ArchTest
    static final ArchRule call_types_use_only_the_canonical_model = RULES.callUsesOnlyCanonical();

    @ArchTest
    static final ArchRule canonical_model_uses_nothing_of_the_gateway = RULES.canonicalUsesNothing();

    @ArchTest
    static final ArchRule nothing_uses_the_composition_root = RULES.nothingUsesTheCompositionRoot();

    @ArchTest
    static final ArchRule no_cycle_between_top_level_packages = RULES.noCycleBetweenTopLevelPackages();

    /**
     * The same layers counted in the source text, as issue 11 counts them: a fully-qualified name
     * in a comment or string is a reference too, and class files do not keep those.
     */
    @ArchTest
    static void source_text_references_point_down_and_form_no_cycle(JavaClasses ignored) {
        SourcePackageGraph graph = SourcePackageGraph.read(Path.of("src/main/java"), "dev.gatehouse");
        assertThat(graph.edges()).as("references found in src/main/java").isNotEmpty();
        assertThat(graph.violations(ArchitectureRules.LAYERS)).as("source-text layer violations").isEmpty();
    }
}
