package dev.gatehouse.routing;

import dev.gatehouse.config.ModelConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a public model can do, as router models read it: {@code vision} (image inputs), {@code tools}
 * (function calling) and {@code json-schema} ({@code response_format: json_schema}). The config's
 * {@code capabilities:} wins; without it a small built-in table by model name applies, and a model
 * it does not know is assumed to handle plain text only (declare more in the config).
 */
final class Capabilities {
    static final String VISION = "vision";
    static final String TOOLS = "tools";
    static final String JSON_SCHEMA = "json-schema";

    private static final Set<String> ALL = Set.of(VISION, TOOLS, JSON_SCHEMA);
    private static final Set<String> VISION_TOOLS = Set.of(VISION, TOOLS);

    /** A model-name prefix and what models so named can do. */
    private record Row(String prefix, Set<String> capabilities) {}

    /** First match wins, so more specific prefixes come first ("o1-mini" before "o1"). */
    private static final List<Row> TABLE = List.of(
            new Row("gpt-4o", ALL), new Row("chatgpt-4o", ALL), new Row("gpt-4.1", ALL), new Row("gpt-5", ALL),
            new Row("o1-mini", Set.of()), new Row("o1", ALL), new Row("o3-mini", Set.of(TOOLS, JSON_SCHEMA)),
            new Row("o3", ALL), new Row("o4-mini", ALL), new Row("gpt-4-turbo", VISION_TOOLS),
            new Row("gpt-3.5-turbo", Set.of(TOOLS)), new Row("claude-3", VISION_TOOLS),
            new Row("claude-sonnet-4", VISION_TOOLS), new Row("claude-opus-4", VISION_TOOLS),
            new Row("claude-haiku-4", VISION_TOOLS), new Row("gemini-1.5", ALL), new Row("gemini-2", ALL),
            new Row("gemini-3", ALL));

    private Capabilities() {}

    /**
     * The model's capabilities: configured, else what every one of its targets' upstream models
     * can do according to the table (any target may serve a request).
     */
    static Set<String> of(ModelConfig model) {
        if (model.capabilities() != null) {
            return Set.copyOf(model.capabilities());
        }
        if (model.targets().isEmpty()) {
            return Set.of();
        }
        Set<String> common = null;
        for (ModelConfig.TargetConfig target : model.targets()) {
            Set<String> known = builtIn(target.model());
            if (known == null) {
                known = builtIn(model.name());
            }
            if (known == null) {
                return Set.of();
            }
            if (common == null) {
                common = new HashSet<>(known);
            } else {
                common.retainAll(known);
            }
        }
        return Set.copyOf(common);
    }

    /** The table's entry for a model name (a provider prefix like "openai/" ignored), or null when unknown. */
    static Set<String> builtIn(String modelName) {
        if (modelName == null) {
            return null;
        }
        String name = modelName.toLowerCase(Locale.ROOT);
        int slash = name.lastIndexOf('/');
        name = slash >= 0 ? name.substring(slash + 1) : name;
        for (Row row : TABLE) {
            if (name.startsWith(row.prefix())) {
                return row.capabilities();
            }
        }
        return null;
    }
}
