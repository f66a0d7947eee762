package dev.gatehouse.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads and validates {@code gatehouse.yaml}. YAML is composed to nodes (not bound to objects) so
 * every problem can name its file, line and key path; all problems are collected and thrown
 * together in one {@link ConfigException}.
 */
public final class ConfigLoader {

    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);

    static final String DEMO_RESOURCE = "dev/gatehouse/config/demo.yaml";

    /**
     * A valid config and the warnings found while reading it (for example an unset environment
     * variable), each formatted as {@code file:line: key.path: message}.
     */
    public record Result(GatehouseConfig config, List<String> warnings) {
        public Result {
            warnings = List.copyOf(warnings);
        }
    }

    private ConfigLoader() {}

    /**
     * Reads {@code file}, interpolating from the process environment. Warnings are logged;
     * callers that show them elsewhere (CLI check, admin API) use {@link #loadWithWarnings}.
     */
    public static GatehouseConfig load(Path file) {
        return logged(loadWithWarnings(file));
    }

    public static Result loadWithWarnings(Path file) {
        return loadWithWarnings(file, System.getenv());
    }

    public static Result loadWithWarnings(Path file, Map<String, String> env) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read the config file: " + e));
        }
        return parseWithWarnings(text, file, env);
    }

    /** @param sourceForMessages the name used in messages and kept as {@link GatehouseConfig#source()}; null for built-in text */
    public static GatehouseConfig parse(String yamlText, Path sourceForMessages) {
        return parse(yamlText, sourceForMessages, System.getenv());
    }

    /** Like {@link #parseWithWarnings} but logs the warnings. */
    public static GatehouseConfig parse(String yamlText, Path sourceForMessages, Map<String, String> env) {
        return logged(parseWithWarnings(yamlText, sourceForMessages, env));
    }

    /** @throws ConfigException listing every problem, when the text is not a valid config */
    public static Result parseWithWarnings(String yamlText, Path sourceForMessages, Map<String, String> env) {
        Problems problems = new Problems(sourceForMessages);
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new StringReader(yamlText));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 1;
            problems.error(line, "", "invalid YAML: " + e.getProblem());
            throw new ConfigException(problems.errors());
        } catch (YAMLException e) {
            problems.error(1, "", "invalid YAML: " + e.getMessage());
            throw new ConfigException(problems.errors());
        }
        GatehouseConfig config = new ConfigReader(sourceForMessages, problems, new Interpolator(env)).read(root);
        if (config == null || problems.hasErrors()) {
            throw new ConfigException(problems.errors());
        }
        return new Result(config, problems.warnings());
    }

    /** The built-in demo config: a mock provider, so it runs without keys or network. */
    public static GatehouseConfig demo() {
        return logged(parseWithWarnings(demoText(), null, System.getenv()));
    }

    private static GatehouseConfig logged(Result result) {
        result.warnings().forEach(w -> log.warn("{}", w));
        return result.config();
    }

    /** The demo file's text, for tools that write it out as a starting point. */
    public static String demoText() {
        try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEMO_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(DEMO_RESOURCE + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
