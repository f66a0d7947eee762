package dev.gatehouse.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders the chart's templates the way {@code helm template} would, for the small subset of the
 * template language the chart keeps to (so it can be checked on machines without Helm):
 * {@code {{ .Values.a.b }}}, {@code .Release.Name}, {@code .Chart.AppVersion}, {@code toYaml},
 * the pipes {@code quote} and {@code indent N}, and {@code {{- if [not] .Values.x }}} /
 * {@code {{- end }}} on lines of their own. Anything else fails the render, naming the construct,
 * so the chart cannot drift out of what this check understands.
 */
final class HelmTemplate {
    static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    private static final Pattern ACTION = Pattern.compile("\\{\\{-?\\s*(.*?)\\s*-?}}");
    private static final Pattern CONDITION = Pattern.compile("\\s*\\{\\{-?\\s*if\\s+(not\\s+)?(\\.Values\\.[\\w.]+)\\s*-?}}\\s*");
    private static final Pattern END = Pattern.compile("\\s*\\{\\{-?\\s*end\\s*-?}}\\s*");

    private final JsonNode values;
    private final Map<String, String> builtins;

    HelmTemplate(JsonNode values, String release, JsonNode chart) {
        this.values = values;
        this.builtins = Map.of(".Release.Name", release, ".Chart.AppVersion", chart.path("appVersion").asText(),
                ".Chart.Name", chart.path("name").asText(), ".Chart.Version", chart.path("version").asText());
    }

    String render(String template) {
        StringBuilder out = new StringBuilder();
        Deque<Boolean> shown = new ArrayDeque<>();
        for (String line : template.split("\n", -1)) {
            Matcher condition = CONDITION.matcher(line);
            if (condition.matches()) {
                boolean truth = truthy(lookup(condition.group(2)));
                shown.push(condition.group(1) == null == truth);
                continue;
            }
            if (END.matcher(line).matches()) {
                if (shown.isEmpty()) {
                    throw new IllegalArgumentException("{{ end }} without {{ if }}");
                }
                shown.pop();
                continue;
            }
            if (shown.contains(false)) {
                continue;
            }
            Matcher action = ACTION.matcher(line);
            StringBuilder rendered = new StringBuilder();
            while (action.find()) {
                action.appendReplacement(rendered, Matcher.quoteReplacement(evaluate(action.group(1))));
            }
            action.appendTail(rendered);
            out.append(rendered).append('\n');
        }
        if (!shown.isEmpty()) {
            throw new IllegalArgumentException("{{ if }} without {{ end }}");
        }
        return out.toString();
    }

    private String evaluate(String expression) {
        String[] pipeline = expression.split("\\|");
        String head = pipeline[0].trim();
        String value;
        if (head.startsWith("toYaml ")) {
            value = toYaml(lookup(head.substring("toYaml ".length()).trim()));
        } else if (head.startsWith(".Values.")) {
            JsonNode node = lookup(head);
            value = node.isMissingNode() || node.isNull() ? "" : node.isValueNode() ? node.asText() : toYaml(node);
        } else if (builtins.containsKey(head)) {
            value = builtins.get(head);
        } else {
            throw new IllegalArgumentException("unsupported template expression: {{ " + expression + " }}");
        }
        for (int i = 1; i < pipeline.length; i++) {
            String function = pipeline[i].trim();
            if (function.equals("quote")) {
                value = '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
            } else if (function.matches("indent \\d+")) {
                String pad = " ".repeat(Integer.parseInt(function.substring("indent ".length())));
                value = pad + String.join("\n" + pad, value.stripTrailing().split("\n", -1));
            } else {
                throw new IllegalArgumentException("unsupported template function '" + function + "' in {{ " + expression + " }}");
            }
        }
        return value;
    }

    private JsonNode lookup(String path) {
        if (!path.startsWith(".Values.")) {
            throw new IllegalArgumentException("unsupported reference " + path);
        }
        JsonNode node = values;
        for (String part : path.substring(".Values.".length()).split("\\.")) {
            node = node.path(part);
        }
        if (node.isMissingNode()) {
            throw new IllegalArgumentException(path + " is not in values.yaml");
        }
        return node;
    }

    private static boolean truthy(JsonNode node) {
        return switch (node.getNodeType()) {
            case BOOLEAN -> node.asBoolean();
            case STRING -> !node.asText().isEmpty();
            case ARRAY, OBJECT -> !node.isEmpty();
            case NUMBER -> node.asDouble() != 0;
            default -> node.getNodeType() != JsonNodeType.NULL && node.getNodeType() != JsonNodeType.MISSING;
        };
    }

    private static String toYaml(JsonNode node) {
        try {
            return YAML.writeValueAsString(node).stripTrailing();
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
