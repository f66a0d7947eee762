package dev.gatehouse.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads the {@code guardrails} section, reporting every mistake with its line. */
final class GuardrailsReader {
    static final List<String> TYPES = List.of("pii", "secrets", "injection", "injection-classifier", "words", "regex", "webhook",
            "moderation");
    static final List<String> PII = List.of("email", "phone", "credit-card", "iban", "ssn", "ip");
    static final List<String> SECRETS = List.of("openai-key", "anthropic-key", "provider-key", "aws-access-key",
            "private-key", "jwt", "high-entropy");
    /** Types that find values in the text and can therefore replace them. */
    private static final Set<String> MASKABLE = Set.of("pii", "secrets", "words", "regex");

    private final Problems problems;
    private final Set<String> providers;
    /** The public model names, which an injection classifier's {@code model} must be one of; null: not checked. */
    private final Set<String> models;

    GuardrailsReader(Problems problems, Set<String> providers, Set<String> models) {
        this.problems = problems;
        this.providers = providers;
        this.models = models;
    }

    GuardrailsConfig read(Section s) {
        if (s == null) {
            return GuardrailsConfig.NONE;
        }
        Map<String, GuardrailConfig> out = new LinkedHashMap<>();
        for (Section.Entry e : s.entries()) {
            Section g = s.sectionOf(e.value(), s.child(e.key()), e.keyNode());
            if (g == null) {
                continue;
            }
            if (!e.key().matches("[A-Za-z0-9_.-]{1,64}")) {
                problems.error(e.keyNode(), g.path(), "a guardrail name uses letters, digits, '.', '_' and '-' (at most 64)");
            }
            GuardrailConfig c = guardrail(e.key(), g);
            if (c != null) {
                out.put(e.key(), c);
            }
        }
        return new GuardrailsConfig(out);
    }

    private GuardrailConfig guardrail(String name, Section g) {
        String type = g.requiredString("type", " (one of " + String.join(", ", TYPES) + ")");
        if (type != null && !TYPES.contains(type)) {
            problems.error(g.node("type"), g.child("type"), "must be one of " + String.join(", ", TYPES) + ", got '" + type + "'");
            type = null;
        }
        String stage = g.string("stage");
        if (stage != null && !List.of("input", "output", "both").contains(stage)) {
            problems.error(g.node("stage"), g.child("stage"), "must be input, output or both, got '" + stage + "'");
        }
        boolean input = stage == null || !stage.equals("output");
        boolean output = stage != null && !stage.equals("input");
        String action = g.string("action");
        if (action == null) {
            action = "block";
        } else if (!List.of("block", "mask", "flag").contains(action)) {
            problems.error(g.node("action"), g.child("action"), "must be block, mask or flag, got '" + action + "'");
        }
        if ("mask".equals(action) && type != null && !MASKABLE.contains(type)) {
            problems.error(g.node("action"), g.child("action"), "a " + type
                    + " guardrail judges the text as a whole and has no values to mask: use block or flag");
        }
        Boolean restore = g.bool("restore");
        if (Boolean.TRUE.equals(restore) && (!"mask".equals(action) || !input)) {
            problems.error(g.node("restore"), g.child("restore"), "restore needs action: mask on the input stage");
        }
        String onError = g.string("on-error");
        if (onError != null && !List.of("block", "allow").contains(onError)) {
            problems.error(g.node("on-error"), g.child("on-error"), "must be block or allow, got '" + onError + "'");
        }
        Duration timeout = g.duration("timeout", false);
        GuardrailConfig.ApplyTo applyTo = applyTo(g.section("apply-to"));
        GuardrailConfig.StreamCheck stream = stream(g.section("stream"));
        GuardrailConfig.Settings settings = settings(type, g);
        g.finish();
        return new GuardrailConfig(name, type, input, output, action, Boolean.TRUE.equals(restore), !"allow".equals(onError),
                timeout == null ? GuardrailConfig.DEFAULT_TIMEOUT : timeout, applyTo, stream, settings);
    }

    private GuardrailConfig.ApplyTo applyTo(Section s) {
        if (s == null) {
            return GuardrailConfig.ApplyTo.ALL;
        }
        GuardrailConfig.ApplyTo a = new GuardrailConfig.ApplyTo(set(s.strings("teams")), set(s.strings("keys")),
                set(s.strings("models")), set(s.strings("policies")));
        s.finish();
        return a;
    }

    private GuardrailConfig.StreamCheck stream(Section s) {
        if (s == null) {
            return GuardrailConfig.StreamCheck.DEFAULT;
        }
        String mode = s.string("mode");
        if (mode != null && !List.of("window", "whole").contains(mode)) {
            problems.error(s.node("mode"), s.child("mode"), "must be window or whole, got '" + mode + "'");
        }
        Integer window = s.integer("window", 16, 1_000_000);
        s.finish();
        return new GuardrailConfig.StreamCheck("whole".equals(mode),
                window == null ? GuardrailConfig.StreamCheck.DEFAULT.window() : window);
    }

    private GuardrailConfig.Settings settings(String type, Section g) {
        List<String> entities = List.of();
        Map<String, String> patterns = Map.of();
        List<String> kinds = List.of();
        double entropy = 0;
        double threshold = 0.5;
        List<String> deny = List.of();
        List<String> allow = List.of();
        String url = null;
        String secret = null;
        boolean allowPrivate = false;
        String provider = null;
        String model = null;
        Map<String, Double> categories = Map.of();
        if ("pii".equals(type)) {
            entities = listOf(g, "entities", PII);
            patterns = patterns(g);
        } else if ("regex".equals(type)) {
            patterns = patterns(g);
            if (patterns.isEmpty()) {
                problems.error(g.keyNode("patterns"), g.child("patterns"), "a regex guardrail needs patterns (label: regex)");
            }
        } else if ("secrets".equals(type)) {
            kinds = listOf(g, "kinds", SECRETS);
            Double bits = decimal(g, "entropy-threshold", 2.0, 8.0);
            entropy = bits == null ? 4.0 : bits;
        } else if ("injection".equals(type)) {
            Double t = decimal(g, "threshold", 0.0, 1.0);
            threshold = t == null ? 0.5 : t;
        } else if ("injection-classifier".equals(type)) {
            model = g.requiredString("model", " (a model of this gateway that rates the text; the mock provider's will do offline)");
            if (model != null && models != null && !models.contains(model)) {
                problems.error(g.node("model"), g.child("model"), "unknown model '" + model + "'" + Suggestions.didYouMean(model, models));
            }
            Double t = decimal(g, "threshold", 0.0, 1.0);
            threshold = t == null ? 0.5 : t;
        } else if ("words".equals(type)) {
            deny = orEmpty(g.strings("deny"));
            allow = orEmpty(g.strings("allow"));
            if (deny.isEmpty() && allow.isEmpty()) {
                problems.error(g.anchor(), g.path(), "a words guardrail needs deny or allow (or both)");
            }
        } else if ("webhook".equals(type)) {
            url = g.requiredString("url", " (where the gateway POSTs the text for a verdict)");
            if (url != null && !url.startsWith("https://") && !url.startsWith("http://")) {
                problems.error(g.node("url"), g.child("url"), "must be an http(s) URL, got '" + url + "'");
            }
            secret = g.requiredString("secret", " (the HMAC-SHA256 key; use ${ENV_VAR})");
            Boolean p = g.bool("allow-private");
            allowPrivate = p != null && p;
        } else if ("moderation".equals(type)) {
            provider = g.requiredString("provider", " (an OpenAI-format provider serving /v1/moderations)");
            if (provider != null && !providers.contains(provider)) {
                problems.error(g.node("provider"), g.child("provider"), "unknown provider '" + provider + "'"
                        + Suggestions.didYouMean(provider, providers));
            }
            model = g.string("model");
            model = model == null ? "omni-moderation-latest" : model;
            categories = categories(g.section("categories"));
        }
        return new GuardrailConfig.Settings(entities, patterns, kinds, entropy, threshold, deny, allow, url, secret,
                allowPrivate, provider, model, categories);
    }

    private List<String> listOf(Section g, String key, List<String> known) {
        List<String> values = orEmpty(g.strings(key));
        for (String v : values) {
            if (!known.contains(v)) {
                problems.error(g.node(key), g.child(key), "unknown '" + v + "'" + Suggestions.didYouMean(v, known)
                        + " (known: " + String.join(", ", known) + ")");
            }
        }
        return values;
    }

    private Map<String, String> patterns(Section g) {
        Section p = g.section("patterns");
        if (p == null) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Section.Entry e : p.entries()) {
            String regex = p.scalar(e.value() == null ? e.keyNode() : e.value(), p.child(e.key()));
            if (!e.key().matches("[A-Z][A-Z0-9_]{0,31}")) {
                problems.error(e.keyNode(), p.child(e.key()), "a pattern label is upper case, e.g. EMPLOYEE_ID (it names the placeholder)");
            }
            if (regex == null || regex.isEmpty()) {
                problems.error(e.keyNode(), p.child(e.key()), "must be a regular expression");
                continue;
            }
            try {
                if (Pattern.compile(regex).matcher("").matches()) {
                    problems.error(e.value(), p.child(e.key()), "matches the empty text: it would match everywhere");
                }
                out.put(e.key(), regex);
            } catch (PatternSyntaxException bad) {
                problems.error(e.value(), p.child(e.key()), "not a valid regular expression: " + bad.getDescription());
            }
        }
        return out;
    }

    private Map<String, Double> categories(Section s) {
        if (s == null) {
            return Map.of("*", 0.5);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (Section.Entry e : s.entries()) {
            Double v = decimal(s, e.key(), 0.0, 1.0);
            if (v != null) {
                out.put(e.key(), v);
            }
        }
        return out;
    }

    private Double decimal(Section s, String key, double min, double max) {
        String text = s.string(key);
        if (text == null) {
            return null;
        }
        try {
            double v = Double.parseDouble(text.trim());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.error(s.node(key), s.child(key), "must be a number from " + min + " to " + max + ", got '" + text + "'");
        return null;
    }

    private static Set<String> set(List<String> values) {
        return values == null ? Set.of() : new HashSet<>(values);
    }

    private static List<String> orEmpty(List<String> values) {
        return values == null ? List.of() : values;
    }
}
