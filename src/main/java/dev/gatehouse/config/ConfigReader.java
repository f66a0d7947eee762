package dev.gatehouse.config;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/** Turns a composed YAML tree into a {@link GatehouseConfig}, reporting every problem on the way. */
final class ConfigReader {

    private final Path source;
    private final Problems problems;
    private final Interpolator env;

    ConfigReader(Path source, Problems problems, Interpolator env) {
        this.source = source;
        this.problems = problems;
        this.env = env;
    }

    /** @return the config, or null when any error was reported */
    GatehouseConfig read(Node root) {
        if (root == null || Section.isNull(root)) {
            problems.error(1, "models", "no models configured (the file is empty)");
            return null;
        }
        if (!(root instanceof MappingNode m)) {
            problems.error(root, "", "the file must be a mapping with the sections server, providers, models, auth, storage");
            return null;
        }
        Section top = new Section(m, "", m, problems, env);
        ServerConfig server = server(top.section("server"));

        Section providersSection = top.section("providers");
        Set<String> providerNames = new LinkedHashSet<>();
        Map<String, ProviderConfig> providers = Map.of();
        if (providersSection != null) {
            providersSection.entries().forEach(e -> providerNames.add(e.key()));
            providers = new ProvidersReader(problems).read(providersSection);
        }

        Section modelsSection = top.section("models");
        Map<String, ModelConfig> models = Map.of();
        if (modelsSection == null || modelsSection.isEmpty()) {
            problems.error(top.keyNode("models"), "models", "no models configured");
        } else {
            models = new ModelsReader(problems, providerNames).read(modelsSection);
        }

        AuthConfig auth = auth(top.section("auth"));
        StorageConfig storage = storage(top.section("storage"));
        RedisConfig redis = redis(top.section("redis"));
        BudgetsConfig budgets = budgets(top.section("budgets"));
        top.finish();
        return problems.hasErrors() ? null : new GatehouseConfig(source, server, providers, models, auth, storage, redis, budgets);
    }

    private ServerConfig server(Section s) {
        ServerConfig d = ServerConfig.defaults();
        if (s == null) {
            return d;
        }
        String host = s.string("host");
        if (host != null && host.isBlank()) {
            problems.error(s.node("host"), s.child("host"), "must not be empty (use 0.0.0.0 to listen on every interface)");
        }
        Integer port = s.integer("port", 1, 65535);
        Long maxBody = s.size("max-body-size");
        Integer loops = s.integer("event-loops", 0, 1024);
        s.finish();
        return new ServerConfig(
                host == null || host.isBlank() ? d.host() : host.trim(),
                port == null ? d.port() : port,
                maxBody == null ? d.maxBodyBytes() : maxBody,
                loops == null ? d.eventLoops() : loops);
    }

    private AuthConfig auth(Section s) {
        if (s == null) {
            return new AuthConfig(null);
        }
        // An unset ${GATEHOUSE_MASTER_KEY} yields "": treat it as "not configured", not as an empty key.
        String masterKey = ProvidersReader.emptyToNull(s.string("master-key"));
        s.finish();
        return new AuthConfig(masterKey);
    }

    private StorageConfig storage(Section s) {
        if (s == null) {
            return new StorageConfig(null, null, null);
        }
        String url = ProvidersReader.emptyToNull(s.string("url"));
        if (url != null && !url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
            problems.error(s.node("url"), s.child("url"),
                    "unsupported database URL '" + url + "' (use jdbc:sqlite:<file> or jdbc:postgresql://host:port/db)");
        }
        String username = ProvidersReader.emptyToNull(s.string("username"));
        String password = ProvidersReader.emptyToNull(s.string("password"));
        s.finish();
        return new StorageConfig(url, username, password);
    }

    private RedisConfig redis(Section s) {
        if (s == null) {
            return RedisConfig.NONE;
        }
        String url = ProvidersReader.emptyToNull(s.string("url"));
        if (url != null && !url.startsWith("redis://") && !url.startsWith("rediss://")) {
            problems.error(s.node("url"), s.child("url"), "unsupported Redis URL '" + url + "' (use redis://host:port or rediss://...)");
        }
        s.finish();
        return new RedisConfig(url);
    }

    private BudgetsConfig budgets(Section s) {
        BudgetsConfig d = BudgetsConfig.DEFAULTS;
        if (s == null) {
            return d;
        }
        String webhook = ProvidersReader.emptyToNull(s.string("alert-webhook"));
        if (webhook != null && !webhook.startsWith("http://") && !webhook.startsWith("https://")) {
            problems.error(s.node("alert-webhook"), s.child("alert-webhook"), "must be an http:// or https:// URL");
        }
        java.util.List<Integer> thresholds = d.alertThresholds();
        org.yaml.snakeyaml.nodes.SequenceNode seq = s.sequence("alert-thresholds");
        if (seq != null) {
            thresholds = new java.util.ArrayList<>();
            for (org.yaml.snakeyaml.nodes.Node item : seq.getValue()) {
                String text = item instanceof org.yaml.snakeyaml.nodes.ScalarNode sc ? sc.getValue().trim().replace("%", "") : "";
                try {
                    int pct = Integer.parseInt(text);
                    if (pct < 1 || pct > 1000) {
                        throw new NumberFormatException();
                    }
                    thresholds.add(pct);
                } catch (NumberFormatException e) {
                    problems.error(item, s.child("alert-thresholds"), "each threshold must be a percentage 1-1000, got '" + text + "'");
                }
            }
        }
        Integer maxOutput = s.integer("default-max-output-tokens", 1, Integer.MAX_VALUE);
        java.time.Duration timeout = s.duration("alert-timeout", false);
        s.finish();
        return new BudgetsConfig(webhook, thresholds,
                maxOutput == null ? d.defaultMaxOutputTokens() : maxOutput, timeout == null ? d.alertTimeout() : timeout);
    }
}
