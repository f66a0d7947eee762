package dev.gatehouse.config;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The {@code cache} section: answers kept and replayed for identical (and, with {@code semantic},
 * similar) requests. Off by default: a cache changes what callers receive (a stored answer instead
 * of a fresh sample), so an operator turns it on knowingly, for all teams or for listed ones.
 *
 * @param enabled whether the gateway caches at all; false: no hashing, no lookup, nothing stored
 * @param store {@code memory} (this node) or {@code redis} (shared by every node; needs {@code redis.url});
 *     null: redis when {@code redis.url} is set, else memory
 * @param maxSizeBytes the memory store's bound, weighed by the bytes of the stored answers
 * @param maxEntryBytes a larger answer is not stored
 * @param ttl how long an answer is kept, unless its model has its own
 * @param modelTtl TTL by public model name; zero: that model's answers are never cached
 * @param teams when non-empty, only these teams' calls are cached
 * @param disabledTeams these teams' calls are never cached
 * @param sharedAcrossTeams false (the default): a team's answers are never served to another team
 * @param semantic the similarity cache, off unless configured
 */
public record CacheConfig(boolean enabled, String store, long maxSizeBytes, long maxEntryBytes, Duration ttl,
        Map<String, Duration> modelTtl, Set<String> teams, Set<String> disabledTeams, boolean sharedAcrossTeams,
        Semantic semantic) {

    public static final CacheConfig OFF = new CacheConfig(false, null, 256L << 20, 4L << 20, Duration.ofHours(1),
            Map.of(), Set.of(), Set.of(), false, Semantic.OFF);

    public CacheConfig {
        modelTtl = modelTtl == null ? Map.of() : Map.copyOf(modelTtl);
        teams = teams == null ? Set.of() : Set.copyOf(teams);
        disabledTeams = disabledTeams == null ? Set.of() : Set.copyOf(disabledTeams);
        semantic = semantic == null ? Semantic.OFF : semantic;
    }

    /** Whether calls of {@code teamId} (null: a caller without a team) may use the cache. */
    public boolean appliesTo(String teamId) {
        if (teamId != null && disabledTeams.contains(teamId)) {
            return false;
        }
        return teams.isEmpty() || (teamId != null && teams.contains(teamId));
    }

    /** The TTL for answers of public model {@code model}; zero: not cached. */
    public Duration ttlFor(String model) {
        Duration d = model == null ? null : modelTtl.get(model);
        return d == null ? ttl : d;
    }

    /**
     * {@code cache.semantic}: a request whose input is close enough in meaning to a stored one's,
     * with the same model, generation parameters, namespace and team, is answered with that answer.
     *
     * @param embeddingModel the public model (type embedding) that embeds the input, called through the gateway's routing
     * @param threshold cosine similarity at or above which two inputs count as the same question (0-1)
     * @param maxEntriesPerPartition the newest entries kept per partition (model, parameters, namespace, team)
     * @param maxPartitions partitions kept per node, least recently used dropped first
     * @param maxInputChars a longer input is not embedded (and not served semantically)
     */
    public record Semantic(boolean enabled, String embeddingModel, double threshold, int maxEntriesPerPartition,
            int maxPartitions, int maxInputChars) {
        public static final Semantic OFF = new Semantic(false, null, 0.90, 1000, 10_000, 8000);
    }
}
