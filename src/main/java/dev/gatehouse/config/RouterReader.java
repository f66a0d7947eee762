package dev.gatehouse.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads {@code models.<name>.router} (candidates, prefer, latency-target, rules) and, once every
 * model is known, checks that the models it names exist and are plain chat models.
 */
final class RouterReader {
    static final List<String> CONDITIONS =
            List.of("header", "team", "key", "prompt-tokens-over", "last-message-matches", "keywords");

    /** A model named by a router (a candidate or a rule's {@code use}), checked after all models are read. */
    private record Ref(Node node, String path, String router, String model, boolean embedding) {}

    private final Problems problems;
    private final List<Ref> refs = new ArrayList<>();

    RouterReader(Problems problems) {
        this.problems = problems;
    }

    /** @return null when something is wrong (reported) */
    RouterConfig read(String modelName, Section r) {
        boolean ok = true;
        List<String> candidates = r.strings("candidates");
        if (candidates == null || candidates.isEmpty()) {
            if (r.node("candidates") == null || candidates != null) {
                problems.error(r.keyNode("candidates"), r.node("candidates") == null ? r.path() : r.child("candidates"),
                        "a router needs at least one candidate model: add 'candidates: [model, ...]'");
            }
            ok = false;
        } else {
            SequenceNode seq = r.node("candidates") instanceof SequenceNode s ? s : null;
            for (int i = 0; i < candidates.size(); i++) {
                Node at = seq != null && i < seq.getValue().size() ? seq.getValue().get(i) : r.node("candidates");
                refs.add(new Ref(at, r.child("candidates") + (seq != null ? "[" + i + "]" : ""), modelName, candidates.get(i), false));
            }
        }
        String prefer = r.string("prefer");
        if (prefer != null && !RouterConfig.PREFER.contains(prefer)) {
            problems.error(r.node("prefer"), r.child("prefer"), "unknown preference '" + prefer + "'"
                    + Suggestions.didYouMean(prefer, RouterConfig.PREFER) + " (one of: cost, latency)");
            ok = false;
        }
        Duration latencyTarget = r.duration("latency-target", false);
        List<RouterConfig.Rule> rules = new ArrayList<>();
        SequenceNode seq = r.sequence("rules");
        if (seq != null) {
            List<Node> items = seq.getValue();
            for (int i = 0; i < items.size(); i++) {
                String path = r.child("rules") + "[" + i + "]";
                Section rule = r.sectionOf(Section.isNull(items.get(i)) ? null : items.get(i), path, items.get(i));
                RouterConfig.Rule read = rule == null ? null : rule(modelName, rule, i + 1);
                ok &= read != null;
                if (read != null) {
                    rules.add(read);
                }
            }
        }
        RouterConfig.Semantic semantic = null;
        Section sem = r.section("semantic");
        if (sem != null) {
            semantic = semantic(modelName, sem);
            ok &= semantic != null;
        }
        r.finish();
        return ok ? new RouterConfig(candidates, prefer, latencyTarget, rules, semantic) : null;
    }

    private RouterConfig.Semantic semantic(String modelName, Section s) {
        String embedding = s.requiredString("embedding-model", ": a public embedding model of this gateway");
        if (embedding != null && !embedding.isBlank()) {
            refs.add(new Ref(s.node("embedding-model"), s.child("embedding-model"), modelName, embedding.trim(), true));
        }
        Double min = null;
        String text = s.string("min-similarity");
        if (text != null) {
            try {
                min = Double.parseDouble(text.trim());
            } catch (NumberFormatException e) {
                // reported below
            }
            if (min == null || min < -1 || min > 1) {
                problems.error(s.node("min-similarity"), s.child("min-similarity"), "must be a number from -1 to 1, got '" + text + "'");
                min = null;
            }
        }
        Map<String, List<String>> examples = new LinkedHashMap<>();
        Section ex = s.section("examples");
        if (ex == null || ex.isEmpty()) {
            problems.error(s.keyNode("examples"), ex == null ? s.path() : s.child("examples"),
                    "semantic routing needs examples: a mapping of model → example prompts");
        } else {
            for (Section.Entry e : ex.entries()) {
                List<String> prompts = e.value() == null ? null : ex.strings(e.key());
                if (prompts == null || prompts.isEmpty()) {
                    if (e.value() == null) {
                        problems.error(e.keyNode(), ex.child(e.key()), "must list at least one example prompt");
                    }
                    continue;
                }
                examples.put(e.key(), prompts);
                refs.add(new Ref(e.keyNode(), ex.child(e.key()), modelName, e.key(), false));
            }
        }
        s.finish();
        return embedding == null || embedding.isBlank() || examples.isEmpty() || (text != null && min == null) ? null
                : new RouterConfig.Semantic(embedding.trim(), min == null ? 0 : min, examples);
    }

    private RouterConfig.Rule rule(String modelName, Section rule, int number) {
        String use = rule.requiredString("use", ": the public model this rule routes to");
        if (use != null && !use.isBlank()) {
            refs.add(new Ref(rule.node("use"), rule.child("use"), modelName, use.trim(), false));
        }
        Section when = rule.section("when");
        RouterConfig.Condition condition = null;
        if (when == null && rule.node("when") == null) {
            problems.error(rule.keyNode("when"), rule.path(), "missing required key 'when' (one or more of: "
                    + String.join(", ", CONDITIONS) + ")");
        } else if (when != null) {
            condition = condition(when);
        }
        rule.finish();
        return use == null || use.isBlank() || condition == null ? null : new RouterConfig.Rule(number, condition, use.trim());
    }

    private RouterConfig.Condition condition(Section w) {
        boolean ok = true;
        Map<String, String> headers = null;
        Section h = w.section("header");
        if (h != null) {
            headers = new LinkedHashMap<>();
            for (Section.Entry e : h.entries()) {
                String value = e.value() == null ? null : h.scalar(e.value(), h.child(e.key()));
                if (value == null || value.isBlank()) {
                    problems.error(e.value() == null ? e.keyNode() : e.value(), h.child(e.key()),
                            "must be the header value to match, e.g. {x-task: code}");
                    ok = false;
                } else {
                    headers.put(e.key().toLowerCase(Locale.ROOT), value.trim());
                }
            }
            h.finish();
        }
        List<String> teams = w.strings("team");
        List<String> keys = w.strings("key");
        Integer over = w.integer("prompt-tokens-over", 0, Integer.MAX_VALUE);
        Pattern regex = null;
        String text = w.string("last-message-matches");
        if (text != null) {
            try {
                regex = Pattern.compile(text);
            } catch (PatternSyntaxException e) {
                problems.error(w.node("last-message-matches"), w.child("last-message-matches"),
                        "not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
                ok = false;
            }
        }
        List<String> keywords = w.strings("keywords");
        w.finish(); // unknown keys are reported with the known conditions listed
        if (w.isEmpty()) {
            // An empty 'when' would match every request: almost certainly a mistake.
            problems.error(w.anchor(), w.path(), "a rule needs at least one condition (one of: " + String.join(", ", CONDITIONS) + ")");
            ok = false;
        }
        return ok ? new RouterConfig.Condition(headers, teams, keys, over, regex, keywords) : null;
    }

    /** Reports router references to unknown models, embedding models or other routers. */
    void check(Set<String> modelNames, Map<String, ModelConfig> models) {
        for (Ref ref : refs) {
            ModelConfig target = models.get(ref.model());
            if (!modelNames.contains(ref.model())) {
                problems.error(ref.node(), ref.path(), "unknown model '" + ref.model() + "'"
                        + Suggestions.didYouMean(ref.model(), modelNames) + " (configured: " + String.join(", ", modelNames) + ")");
            } else if (ref.embedding()) {
                if (target != null && !"embedding".equals(target.type())) {
                    problems.error(ref.node(), ref.path(), "'" + ref.model() + "' is not an embedding model (add 'type: embedding' to it)");
                }
            } else if (ref.model().equals(ref.router())) {
                problems.error(ref.node(), ref.path(), "a router cannot route to itself");
            } else if (target != null && target.router() != null) {
                problems.error(ref.node(), ref.path(), "'" + ref.model() + "' is itself a router; routers route to models with targets");
            } else if (target != null && !"chat".equals(target.type())) {
                problems.error(ref.node(), ref.path(), "'" + ref.model() + "' is " + ("embedding".equals(target.type()) ? "an " : "a ")
                        + target.type() + " model; a router serves chat requests");
            }
        }
    }
}
