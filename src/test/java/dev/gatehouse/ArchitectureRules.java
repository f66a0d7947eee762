package dev.gatehouse;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layer rules of docs/architecture.md, written once against a root package so that the same
 * rules check the gateway ({@code dev.gatehouse}) and, in {@link ArchitectureRulesCanFailTest}, a
 * small set of deliberately broken fixture classes ({@code dev.gatehouse.archfixture}).
 */
final class ArchitectureRules {
    /**
     * The top-level packages under the root, highest layer first. A package may use its own layer
     * and every layer below it, never one above; packages on one line are peers (the cycle rules
     * still forbid a cycle between them). "" is the root package itself: the composition root
     * (Gatehouse) and the commands that start it, which nothing else may use.
     *
     * <p>A new package gets a place here, or every rule below fails on it: a caller format or a
     * provider dialect is a folder inside {@code api/} and {@code dialect/}, not a new package; a
     * new concern (responses, mcp, rag, ...) goes in the highest layer whose packages it must not use.
     */
    static final List<Layer> LAYERS = List.of(
            new Layer("root", ""),
            new Layer("cli", "cli"),
            new Layer("endpoints", "admin", "api", "console"),
            new Layer("server and executor", "http", "gateway", "mcp"),
            new Layer("governance", "budget", "limits", "secrets", "usage", "observability", "audit", "guardrails", "cache",
                    "rag"),
            new Layer("settlement", "settlement"),
            new Layer("routing", "routing"),
            new Layer("access", "access"),
            new Layer("dialects", "dialect"),
            new Layer("providers", "provider"),
            new Layer("identity, pricing, admin web", "identity", "pricing", "web"),
            new Layer("store, call types", "store", "call"),
            new Layer("canonical model, config", "canonical", "config"));

    /** Below the executor and the endpoints: decide, account and authorize, never call back up. */
    static final List<String> GOVERNANCE = List.of("routing", "access", "budget", "limits", "secrets", "usage",
            "observability", "audit", "identity", "pricing", "settlement", "guardrails", "cache", "rag");

    /** One layer: a name for reports and its top-level packages ("" = the root package). */
    record Layer(String name, List<String> packages) {
        Layer(String name, String... packages) {
            this(name, List.of(packages));
        }
    }

    private final String root;

    private ArchitectureRules(String root) {
        this.root = root;
    }

    static ArchitectureRules forRoot(String root) {
        return new ArchitectureRules(root);
    }

    /** Every rule, by a short name (the names the failure tests use). */
    Map<String, ArchRule> all() {
        Map<String, ArchRule> rules = new LinkedHashMap<>();
        rules.put("layers", layers());
        rules.put("dialects", dialectsUseNoEndpointOrExecutor());
        rules.put("governance", governanceUsesNoExecutorOrEndpoint());
        rules.put("provider", providerUsesNoDialectOrRouting());
        rules.put("call", callUsesOnlyCanonical());
        rules.put("canonical", canonicalUsesNothing());
        rules.put("root", nothingUsesTheCompositionRoot());
        rules.put("cycles", noCycleBetweenTopLevelPackages());
        return rules;
    }

    /** Each layer may only use the layers below it; every class of the root belongs to a layer. */
    ArchRule layers() {
        LayeredArchitecture arch = layeredArchitecture().consideringOnlyDependenciesInLayers()
                .ensureAllClassesAreContainedInArchitecture();
        for (Layer layer : LAYERS) {
            // Optional: a layer may be empty (a package not written yet, or a fixture set that skips it).
            arch = arch.optionalLayer(layer.name()).definedBy(layer.packages().stream().map(this::packageOf)
                    .toArray(String[]::new));
        }
        for (int i = 0; i < LAYERS.size(); i++) {
            List<String> below = new ArrayList<>();
            for (Layer lower : LAYERS.subList(i + 1, LAYERS.size())) {
                below.add(lower.name());
            }
            arch = below.isEmpty() ? arch.whereLayer(LAYERS.get(i).name()).mayNotAccessAnyLayer()
                    : arch.whereLayer(LAYERS.get(i).name()).mayOnlyAccessLayers(below.toArray(String[]::new));
        }
        return arch.because("imports point down the layers of docs/architecture.md (ArchitectureRules.LAYERS)");
    }

    ArchRule dialectsUseNoEndpointOrExecutor() {
        return noClasses().that().resideInAPackage(pkg("dialect"))
                .should().dependOnClassesThat().resideInAnyPackage(pkg("api"), pkg("http"), pkg("gateway"))
                .because("a dialect translates shapes; endpoints and the executor use it, not the other way round");
    }

    ArchRule governanceUsesNoExecutorOrEndpoint() {
        return noClasses().that().resideInAnyPackage(GOVERNANCE.stream().map(this::pkg).toArray(String[]::new))
                .should().dependOnClassesThat().resideInAnyPackage(pkg("gateway"), pkg("api"))
                .because("routing, access and governance are asked by the executor and never call it back");
    }

    ArchRule providerUsesNoDialectOrRouting() {
        return noClasses().that().resideInAPackage(pkg("provider"))
                .should().dependOnClassesThat().resideInAnyPackage(pkg("dialect"), pkg("routing"))
                .because("provider/ holds what every upstream shares; each dialect builds on it");
    }

    ArchRule callUsesOnlyCanonical() {
        return noClasses().that().resideInAPackage(pkg("call"))
                .should().dependOnClassesThat(resideInAPackage(root + "..")
                        .and(not(resideInAnyPackage(pkg("call"), pkg("canonical")))))
                .because("the shared call types sit at the bottom, under everything that uses them");
    }

    ArchRule canonicalUsesNothing() {
        return noClasses().that().resideInAPackage(pkg("canonical"))
                .should().dependOnClassesThat(resideInAPackage(root + "..").and(not(resideInAPackage(pkg("canonical")))))
                .because("the canonical model is the bottom every dialect translates to and from");
    }

    ArchRule nothingUsesTheCompositionRoot() {
        return noClasses().that().resideOutsideOfPackage(root)
                .should().dependOnClassesThat().resideInAPackage(root)
                .because("the composition root (Gatehouse) wires everything; what it wires must not know it");
    }

    ArchRule noCycleBetweenTopLevelPackages() {
        return slices().matching(root + ".(*)..").namingSlices("$1")
                .should().beFreeOfCycles()
                .because("a cycle between top-level packages makes them one package in all but name");
    }

    /** "routing" -> "dev.gatehouse.routing.."; "" -> the root package alone. */
    private String packageOf(String topLevel) {
        return topLevel.isEmpty() ? root : pkg(topLevel);
    }

    private String pkg(String topLevel) {
        return root + "." + topLevel + "..";
    }
}
