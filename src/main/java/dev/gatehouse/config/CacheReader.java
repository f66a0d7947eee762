package dev.gatehouse.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads the {@code cache} section (see {@link CacheConfig}). */
final class CacheReader {
    private final Problems problems;

    CacheReader(Problems problems) {
        this.problems = problems;
    }

    CacheConfig read(Section s, RedisConfig redis, Set<String> modelNames, Map<String, ModelConfig> models) {
        CacheConfig d = CacheConfig.OFF;
        if (s == null) {
            return d;
        }
        Boolean enabled = s.bool("enabled");
        String store = s.string("store");
        if (store != null && !List.of("memory", "redis").contains(store.trim())) {
            problems.error(s.node("store"), s.child("store"), "must be 'memory' or 'redis', got '" + store + "'");
            store = null;
        } else if (store != null) {
            store = store.trim();
            if (store.equals("redis") && !redis.enabled()) {
                problems.error(s.node("store"), s.child("store"), "'redis' needs redis.url to be set");
            }
        }
        Long maxSize = s.size("max-size");
        Long maxEntry = s.size("max-entry-size");
        Duration ttl = s.duration("ttl", false);
        Map<String, Duration> modelTtl = new LinkedHashMap<>();
        Section perModel = s.section("model-ttl");
        if (perModel != null) {
            for (Section.Entry e : perModel.entries()) {
                if (!modelNames.contains(e.key())) {
                    problems.error(e.keyNode(), perModel.child(e.key()), "no model '" + e.key() + "' is configured");
                }
                Duration t = perModel.duration(e.key(), true);
                if (t != null) {
                    modelTtl.put(e.key(), t);
                }
            }
            perModel.finish();
        }
        List<String> teams = s.strings("teams");
        List<String> disabled = s.strings("disabled-teams");
        Boolean shared = s.bool("shared-across-teams");
        CacheConfig.Semantic semantic = semantic(s.section("semantic"), models);
        s.finish();
        return new CacheConfig(enabled != null && enabled, store,
                maxSize == null ? d.maxSizeBytes() : maxSize, maxEntry == null ? d.maxEntryBytes() : maxEntry,
                ttl == null ? d.ttl() : ttl, modelTtl,
                teams == null ? Set.of() : new LinkedHashSet<>(teams), disabled == null ? Set.of() : new LinkedHashSet<>(disabled),
                shared != null && shared, semantic);
    }

    private CacheConfig.Semantic semantic(Section s, Map<String, ModelConfig> models) {
        CacheConfig.Semantic d = CacheConfig.Semantic.OFF;
        if (s == null) {
            return d;
        }
        Boolean enabled = s.bool("enabled");
        boolean on = enabled == null || enabled; // a semantic section turns it on unless it says otherwise
        String model = on ? s.requiredString("embedding-model", ": a public embedding model of this gateway") : s.string("embedding-model");
        if (model != null && !model.isBlank()) {
            model = model.trim();
            ModelConfig m = models.get(model);
            if (m == null) {
                problems.error(s.node("embedding-model"), s.child("embedding-model"), "no model '" + model + "' is configured");
            } else if (!"embedding".equals(m.type())) {
                problems.error(s.node("embedding-model"), s.child("embedding-model"),
                        "model '" + model + "' is not an embedding model (type: embedding)");
            }
        }
        Double threshold = null;
        String text = s.string("threshold");
        if (text != null) {
            try {
                threshold = Double.parseDouble(text.trim());
            } catch (NumberFormatException e) {
                // reported below
            }
            if (threshold == null || threshold <= 0 || threshold > 1) {
                problems.error(s.node("threshold"), s.child("threshold"), "must be a number above 0 and at most 1, got '" + text + "'");
                threshold = null;
            }
        }
        Integer perPartition = s.integer("max-entries-per-partition", 1, 100_000);
        Integer partitions = s.integer("max-partitions", 1, 1_000_000);
        Integer maxChars = s.integer("max-input-chars", 1, 1_000_000);
        s.finish();
        return new CacheConfig.Semantic(on, model, threshold == null ? d.threshold() : threshold,
                perPartition == null ? d.maxEntriesPerPartition() : perPartition,
                partitions == null ? d.maxPartitions() : partitions, maxChars == null ? d.maxInputChars() : maxChars);
    }
}
