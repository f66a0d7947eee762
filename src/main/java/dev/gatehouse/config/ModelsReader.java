package dev.gatehouse.config;

import dev.gatehouse.config.ModelConfig.TargetConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Reads the {@code models} section: public model names and the targets that serve them. */
final class ModelsReader {

    static final List<String> TYPES = List.of("chat", "embedding", "image", "transcription", "speech", "moderation", "rerank");

    private final Problems problems;
    /** Every provider name in the file, valid or not, so one bad provider does not cascade. */
    private final Set<String> providerNames;

    /** A list of model names to check once every model is known. */
    record FallbackRef(Node node, String path, List<String> models) {}

    private final List<FallbackRef> fallbackRefs = new ArrayList<>();
    private final RouterReader routers;
    private final Map<String, ModelConfig> read = new LinkedHashMap<>();

    ModelsReader(Problems problems, Set<String> providerNames) {
        this.problems = problems;
        this.providerNames = providerNames;
        this.routers = new RouterReader(problems);
    }

    /** Reports fallbacks (and router candidates and rules) naming models that do not exist; call after {@link #read}. */
    void checkFallbacks(Set<String> modelNames, List<FallbackRef> extra) {
        List<FallbackRef> all = new ArrayList<>(fallbackRefs);
        all.addAll(extra);
        for (FallbackRef ref : all) {
            for (String model : ref.models()) {
                if (!modelNames.contains(model)) {
                    problems.error(ref.node(), ref.path(), "unknown model '" + model + "'"
                            + Suggestions.didYouMean(model, modelNames) + " (configured: " + String.join(", ", modelNames) + ")");
                } else if (read.containsKey(model) && read.get(model).router() != null) {
                    problems.error(ref.node(), ref.path(), "'" + model + "' is a router model and cannot be a fallback;"
                            + " name the models it routes to instead");
                }
            }
        }
        routers.check(modelNames, read);
    }

    Map<String, ModelConfig> read(Section models) {
        Map<String, ModelConfig> result = new LinkedHashMap<>();
        for (Section.Entry e : models.entries()) {
            Section s = models.sectionOf(e.value(), models.child(e.key()), e.keyNode());
            if (s != null) {
                ModelConfig m = model(e.key(), s);
                if (m != null) {
                    result.put(e.key(), m);
                }
            }
        }
        read.putAll(result);
        return result;
    }

    private ModelConfig model(String name, Section s) {
        String type = s.string("type");
        if (type == null || type.isBlank()) {
            type = "chat";
        } else if (!TYPES.contains(type)) {
            problems.error(s.node("type"), s.child("type"),
                    "unknown model type '" + type + "'" + Suggestions.didYouMean(type, TYPES) + " (one of: " + String.join(", ", TYPES) + ")");
            type = null;
        }
        Timeouts timeouts = ProvidersReader.readTimeouts(s.section("timeouts"));
        String strategy = s.string("strategy");
        if (strategy != null && !ModelConfig.STRATEGIES.contains(strategy)) {
            problems.error(s.node("strategy"), s.child("strategy"), "unknown strategy '" + strategy + "'"
                    + Suggestions.didYouMean(strategy, ModelConfig.STRATEGIES)
                    + " (one of: " + String.join(", ", ModelConfig.STRATEGIES) + ")");
            strategy = null;
        }
        List<String> fallbacks = s.strings("fallbacks");
        if (fallbacks != null) {
            fallbackRefs.add(new FallbackRef(s.node("fallbacks"), s.child("fallbacks"), fallbacks));
        }
        List<String> capabilities = capabilities(s);
        Section routerSection = s.section("router");
        RouterConfig router = null;
        List<TargetConfig> targets;
        if (routerSection != null) {
            // A router model serves nothing itself: it picks another public model per request.
            router = routers.read(name, routerSection);
            if (s.node("targets") != null) {
                problems.error(s.keyNode("targets"), s.child("targets"),
                        "a router model has no targets of its own: it routes to its candidates' targets");
            }
            if (type != null && !"chat".equals(type)) {
                problems.error(s.node("type"), s.child("type"), "a router model serves chat requests; remove 'type: " + type + "'");
            }
            targets = router == null ? null : List.of();
        } else {
            targets = targets(name, s);
        }
        ModelConfig.PricingOverride pricing = pricing(s.section("pricing"));
        s.finish();
        return type == null || targets == null ? null
                : new ModelConfig(name, type, targets, timeouts, strategy, fallbacks, pricing, capabilities, router);
    }

    /** {@code capabilities: [vision, tools, json-schema]}; null when not configured. */
    private List<String> capabilities(Section s) {
        List<String> capabilities = s.strings("capabilities");
        if (capabilities == null) {
            return null;
        }
        List<String> known = new ArrayList<>();
        for (String c : capabilities) {
            if (ModelConfig.CAPABILITIES.contains(c)) {
                known.add(c);
            } else {
                problems.error(s.node("capabilities"), s.child("capabilities"), "unknown capability '" + c + "'"
                        + Suggestions.didYouMean(c, ModelConfig.CAPABILITIES)
                        + " (one of: " + String.join(", ", ModelConfig.CAPABILITIES) + ")");
            }
        }
        return known;
    }

    /** Prices in USD per million tokens as exact decimals, e.g. {@code {input: 2.50, output: 10}}. */
    private static ModelConfig.PricingOverride pricing(Section p) {
        if (p == null) {
            return null;
        }
        ModelConfig.PricingOverride pricing = new ModelConfig.PricingOverride(p.money("input"), p.money("cached-input"),
                p.money("cache-write"), p.money("output"), p.money("reasoning"), p.money("image"),
                p.integer("max-output", 0, Integer.MAX_VALUE), p.integer("context", 0, Integer.MAX_VALUE),
                p.money("audio-minute"), p.money("characters"), p.money("search-unit"));
        p.finish();
        return pricing;
    }

    private List<TargetConfig> targets(String modelName, Section s) {
        SequenceNode seq = s.sequence("targets");
        if (seq == null || seq.getValue().isEmpty()) {
            boolean present = s.keyNode("targets") != s.anchor();
            boolean wrongType = present && s.node("targets") != null && seq == null; // already reported
            if (!wrongType) {
                problems.error(s.keyNode("targets"), present ? s.child("targets") : s.path(),
                        "every model needs at least one target" + (present ? "" : ": add 'targets:'"));
            }
            return null;
        }
        List<TargetConfig> targets = new ArrayList<>();
        boolean ok = true;
        List<Node> items = seq.getValue();
        for (int i = 0; i < items.size(); i++) {
            String path = s.child("targets") + "[" + i + "]";
            Section t = s.sectionOf(Section.isNull(items.get(i)) ? null : items.get(i), path, items.get(i));
            TargetConfig target = t == null ? null : target(modelName, t);
            ok &= target != null;
            if (target != null) {
                targets.add(target);
            }
        }
        return ok ? targets : null;
    }

    private TargetConfig target(String modelName, Section t) {
        String provider = t.requiredString("provider", "");
        if (provider != null && !providerNames.contains(provider)) {
            problems.error(t.node("provider"), t.child("provider"), "unknown provider '" + provider + "' (configured: "
                    + (providerNames.isEmpty() ? "none" : String.join(", ", providerNames)) + ")");
            provider = null;
        }
        String model = ProvidersReader.emptyToNull(t.string("model"));
        Timeouts timeouts = ProvidersReader.readTimeouts(t.section("timeouts"));
        Integer weight = t.integer("weight", 1, 1_000_000);
        Integer contextWindow = t.integer("context-window", 1, Integer.MAX_VALUE);
        Integer rpm = t.integer("rpm", 1, Integer.MAX_VALUE);
        Integer tpm = t.integer("tpm", 1, Integer.MAX_VALUE);
        t.finish();
        return provider == null ? null : new TargetConfig(provider, model == null ? modelName : model, timeouts,
                weight == null ? 1 : weight, contextWindow, rpm, tpm);
    }
}
