package dev.gatehouse.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.yaml.snakeyaml.nodes.Node;

/** Errors and warnings found while reading one file, each prefixed with {@code file:line: key.path:}. */
final class Problems {

    /** Shown instead of a file name for the built-in demo config. */
    static final String DEMO_NAME = "demo.yaml (built-in)";

    private record Entry(int line, String text) {}

    private final String sourceName;
    private final List<Entry> errors = new ArrayList<>();
    private final List<Entry> warnings = new ArrayList<>();

    Problems(Path source) {
        this.sourceName = source == null ? DEMO_NAME : source.toString();
    }

    void error(Node at, String keyPath, String message) {
        errors.add(entry(line(at), keyPath, message));
    }

    void error(int line, String keyPath, String message) {
        errors.add(entry(line, keyPath, message));
    }

    void warn(Node at, String keyPath, String message) {
        warnings.add(entry(line(at), keyPath, message));
    }

    boolean hasErrors() {
        return !errors.isEmpty();
    }

    /** In file order: problems are found section by section, but users fix them top to bottom. */
    List<String> errors() {
        return sorted(errors);
    }

    List<String> warnings() {
        return sorted(warnings);
    }

    static int line(Node node) {
        // SnakeYAML lines are 0-based; editors count from 1.
        return node == null || node.getStartMark() == null ? 1 : node.getStartMark().getLine() + 1;
    }

    private Entry entry(int line, String keyPath, String message) {
        String key = keyPath == null || keyPath.isEmpty() ? "" : keyPath + ": ";
        return new Entry(line, sourceName + ":" + line + ": " + key + message);
    }

    private static List<String> sorted(List<Entry> entries) {
        return entries.stream().sorted(Comparator.comparingInt(Entry::line)).map(Entry::text).toList();
    }
}
