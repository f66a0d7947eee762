package dev.gatehouse;

import dev.gatehouse.ArchitectureRules.Layer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The top-level package graph as issue 11 counts it: every {@code dev.gatehouse.<pkg>.} in the
 * source text (imports, inline qualified names, comments and strings too), which ArchUnit, reading
 * class files, cannot see in comments. "" stands for the root package.
 *
 * @param edges from package, to package, one file that makes the reference (for the report)
 */
record SourcePackageGraph(Map<String, Map<String, String>> edges) {

    /** Reads every .java file under {@code sourceRoot} (a source folder such as src/main/java). */
    static SourcePackageGraph read(Path sourceRoot, String rootPackage) {
        Path base = sourceRoot.resolve(rootPackage.replace('.', '/'));
        Pattern reference = Pattern.compile(Pattern.quote(rootPackage) + "\\.(?:([a-z_][a-z0-9_]*)\\.|([A-Z]))");
        Map<String, Map<String, String>> edges = new TreeMap<>();
        try (Stream<Path> files = Files.walk(base)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                Path rel = base.relativize(file);
                String from = rel.getNameCount() > 1 ? rel.getName(0).toString() : "";
                Matcher m = reference.matcher(Files.readString(file));
                while (m.find()) {
                    String to = m.group(1) != null ? m.group(1) : "";
                    if (!to.equals(from)) {
                        edges.computeIfAbsent(from, k -> new TreeMap<>()).putIfAbsent(to, rel.toString());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SourcePackageGraph(edges);
    }

    /** Upward references, packages missing from the layer list, and cycles; empty when all is well. */
    List<String> violations(List<Layer> layers) {
        Map<String, Integer> rank = new HashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            for (String p : layers.get(i).packages()) {
                rank.put(p, i);
            }
        }
        List<String> out = new ArrayList<>();
        edges.forEach((from, targets) -> targets.forEach((to, file) -> {
            for (String p : List.of(from, to)) {
                if (!rank.containsKey(p)) {
                    out.add("package '" + name(p) + "' (referenced in " + file + ") has no place in ArchitectureRules.LAYERS");
                }
            }
            if (rank.containsKey(from) && rank.containsKey(to) && rank.get(to) < rank.get(from)) {
                out.add(name(from) + " -> " + name(to) + " points up the layers (" + file + ")");
            }
        }));
        out.addAll(cycles());
        return out.stream().distinct().toList();
    }

    /** Each cycle found by a depth-first search, as "a -> b -> a" with the files that make the steps. */
    List<String> cycles() {
        List<String> found = new ArrayList<>();
        Map<String, Integer> state = new HashMap<>(); // 1 = on the current path, 2 = done
        for (String start : edges.keySet()) {
            walk(start, new ArrayList<>(), state, found);
        }
        return found;
    }

    private void walk(String at, List<String> path, Map<String, Integer> state, List<String> found) {
        Integer s = state.get(at);
        if (s != null && s == 2) {
            return;
        }
        if (s != null && s == 1) {
            List<String> loop = new ArrayList<>(path.subList(path.indexOf(at), path.size()));
            loop.add(at);
            StringBuilder text = new StringBuilder("cycle: ");
            for (int i = 0; i < loop.size(); i++) {
                text.append(i == 0 ? "" : " -> ").append(name(loop.get(i)));
                if (i > 0) {
                    text.append(" (").append(edges.get(loop.get(i - 1)).get(loop.get(i))).append(')');
                }
            }
            found.add(text.toString());
            return;
        }
        state.put(at, 1);
        path.add(at);
        for (String next : edges.getOrDefault(at, Map.of()).keySet()) {
            walk(next, path, state, found);
        }
        path.remove(path.size() - 1);
        state.put(at, 2);
    }

    private static String name(String pkg) {
        return pkg.isEmpty() ? "(root package)" : pkg;
    }
}
