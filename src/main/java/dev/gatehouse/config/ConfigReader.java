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
        SecretsConfig secrets = secrets(top.section("secrets"));
        top.finish();
        return problems.hasErrors() ? null : new GatehouseConfig(source, server, providers, models, auth, storage, secrets);
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

    private SecretsConfig secrets(Section s) {
        if (s == null) {
            return SecretsConfig.DEFAULTS;
        }
        // An unset ${GATEHOUSE_ENCRYPTION_KEYS} yields "": the environment variable is then read directly.
        String keys = ProvidersReader.emptyToNull(s.string("encryption-keys"));
        Boolean callerKeys = s.bool("allow-caller-provider-keys");
        s.finish();
        return new SecretsConfig(keys, callerKeys != null && callerKeys);
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
}
