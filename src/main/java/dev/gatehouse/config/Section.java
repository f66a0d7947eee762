package dev.gatehouse.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One YAML mapping being read. Every getter records the key it was asked for, so {@link #finish()}
 * can report the remaining keys as unknown and suggest the closest known one. Getters report
 * problems and return null instead of throwing, so one pass finds every mistake in the file.
 */
final class Section {

    /** A key of the mapping with its nodes, for line numbers. */
    record Entry(String key, Node keyNode, Node value) {}

    private final String path;
    private final Node anchor;
    private final Problems problems;
    private final Interpolator env;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Set<String> known = new LinkedHashSet<>();

    /**
     * @param node the mapping, or null for an absent/empty section (every key then reads as missing)
     * @param anchor where to point "missing key" errors: the key that names this section
     */
    Section(MappingNode node, String path, Node anchor, Problems problems, Interpolator env) {
        this.path = path;
        this.anchor = anchor != null ? anchor : node;
        this.problems = problems;
        this.env = env;
        if (node != null) {
            for (NodeTuple t : node.getValue()) {
                index(t);
            }
        }
    }

    private void index(NodeTuple t) {
        Node k = t.getKeyNode();
        if (!(k instanceof ScalarNode s)) {
            problems.error(k, path, "keys must be plain names, not lists or mappings");
            return;
        }
        String key = s.getValue();
        if (entries.containsKey(key)) {
            problems.error(k, child(key), "duplicate key (first at line " + Problems.line(entries.get(key).keyNode()) + ")");
            return;
        }
        entries.put(key, new Entry(key, k, isNull(t.getValueNode()) ? null : t.getValueNode()));
    }

    String path() {
        return path;
    }

    Node anchor() {
        return anchor;
    }

    String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The value node of {@code key}, or null when absent or written as null/empty. */
    Node node(String key) {
        known.add(key);
        Entry e = entries.get(key);
        return e == null ? null : e.value();
    }

    /** The key's own node (for line numbers), or the section's anchor if absent. */
    Node keyNode(String key) {
        Entry e = entries.get(key);
        return e == null ? anchor : e.keyNode();
    }

    /** Every entry, for mappings whose keys are names chosen by the user (providers, models, headers). */
    List<Entry> entries() {
        known.addAll(entries.keySet());
        return new ArrayList<>(entries.values());
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The interpolated text of a scalar, or null when absent. */
    String string(String key) {
        Node n = node(key);
        return n == null ? null : scalar(n, child(key));
    }

    /** Like {@link #string} but reports a missing or empty value. */
    String requiredString(String key, String hint) {
        String s = string(key);
        if (s == null) {
            problems.error(keyNode(key), entries.containsKey(key) ? child(key) : path,
                    (entries.containsKey(key) ? "must not be empty" : "missing required key '" + key + "'") + hint);
        } else if (s.isBlank() && entries.containsKey(key)) {
            problems.error(node(key), child(key), "must not be empty" + hint);
            return null;
        }
        return s;
    }

    Integer integer(String key, int min, int max) {
        return convert(key, text -> {
            try {
                int v = Integer.parseInt(text.trim());
                if (v >= min && v <= max) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // reported below with the accepted range
            }
            throw new IllegalArgumentException("must be an integer " + min + "-" + max + ", got '" + text + "'");
        });
    }

    /** A share from 0 to 1, written as a decimal ({@code 0.05}) or a percentage ({@code 5%}). */
    Double fraction(String key) {
        return convert(key, text -> {
            String t = text.trim();
            try {
                double v = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1).trim()) / 100 : Double.parseDouble(t);
                if (v >= 0 && v <= 1) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // reported below with the accepted range
            }
            throw new IllegalArgumentException("must be a share from 0 to 1 (e.g. 0.05 or 5%), got '" + text + "'");
        });
    }

    Boolean bool(String key) {
        return convert(key, text -> switch (text.trim()) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("must be true or false, got '" + text + "'");
        });
    }

    /** @param allowZero false for deadlines, where zero would fail every call */
    Duration duration(String key, boolean allowZero) {
        return convert(key, text -> {
            Duration d = Values.duration(text);
            if (!allowZero && d.isZero()) {
                throw new IllegalArgumentException("must be longer than 0");
            }
            return d;
        });
    }

    Long size(String key) {
        return convert(key, text -> {
            long v = Values.size(text);
            if (v <= 0) {
                throw new IllegalArgumentException("must be at least 1 byte");
            }
            return v;
        });
    }

    /** Dollars as exact decimal text ("2.50") → micro-units (2_500_000); never through a double. */
    Long money(String key) {
        return convert(key, Micros::parse);
    }

    /** The nested mapping under {@code key}, or null when absent. */
    Section section(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        return sectionOf(n, child(key), keyNode(key));
    }

    /** A section for a value node; reports (and returns null for) anything but a mapping. */
    Section sectionOf(Node value, String childPath, Node keyNode) {
        if (value == null) {
            return new Section(null, childPath, keyNode, problems, env);
        }
        if (!(value instanceof MappingNode m)) {
            problems.error(value, childPath, "must be a mapping of keys to values, got " + describe(value));
            return null;
        }
        return new Section(m, childPath, keyNode, problems, env);
    }

    /** The list under {@code key}, or null when absent (or not a list, which is reported). */
    SequenceNode sequence(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (!(n instanceof SequenceNode s)) {
            problems.error(n, child(key), "must be a list, got " + describe(n));
            return null;
        }
        return s;
    }

    /** A list of non-empty strings under {@code key} (a single string is a list of one); null when absent. */
    List<String> strings(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        List<String> values = new ArrayList<>();
        if (n instanceof ScalarNode) {
            String v = scalar(n, child(key));
            if (v != null && !v.isBlank()) {
                values.add(v.trim());
            }
            return values;
        }
        if (!(n instanceof SequenceNode seq)) {
            problems.error(n, child(key), "must be a list of strings, got " + describe(n));
            return null;
        }
        for (int i = 0; i < seq.getValue().size(); i++) {
            Node item = seq.getValue().get(i);
            String v = item instanceof ScalarNode ? scalar(item, child(key) + "[" + i + "]") : null;
            if (v == null || v.isBlank()) {
                problems.error(item, child(key) + "[" + i + "]", "must be a non-empty string, got " + describe(item));
            } else {
                values.add(v.trim());
            }
        }
        return values;
    }

    /** Reports the keys nobody asked for. Call after reading everything this section supports. */
    void finish() {
        for (Entry e : entries.values()) {
            if (!known.contains(e.key())) {
                problems.error(e.keyNode(), child(e.key()),
                        "unknown key" + Suggestions.didYouMean(e.key(), known)
                                + (known.isEmpty() ? "" : " (allowed: " + String.join(", ", known) + ")"));
            }
        }
    }

    /** Interpolates a scalar; reports non-scalars and bad references and returns null for them. */
    String scalar(Node n, String keyPath) {
        if (!(n instanceof ScalarNode s)) {
            problems.error(n, keyPath, "must be a single value, got " + describe(n));
            return null;
        }
        try {
            Interpolator.Resolved r = env.resolve(s.getValue());
            for (String var : r.unset()) {
                problems.warn(n, keyPath, "environment variable " + var + " is not set; using an empty value");
            }
            return r.text();
        } catch (IllegalArgumentException e) {
            problems.error(n, keyPath, e.getMessage());
            return null;
        }
    }

    private <T> T convert(String key, Function<String, T> parse) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        String text = scalar(n, child(key));
        if (text == null) {
            return null;
        }
        try {
            return parse.apply(text);
        } catch (IllegalArgumentException e) {
            problems.error(n, child(key), e.getMessage());
            return null;
        }
    }

    static boolean isNull(Node n) {
        return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    static String describe(Node n) {
        return switch (n) {
            case MappingNode m -> "a mapping";
            case SequenceNode s -> "a list";
            case ScalarNode s -> "'" + s.getValue() + "'";
            default -> n.getNodeId().name();
        };
    }
}
