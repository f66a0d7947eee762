package dev.gatehouse.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.function.LongSupplier;

/**
 * Stored inputs' embeddings by partition (model, parameters, namespace and tenant: see
 * {@link CacheKey#partition}), searched by cosine similarity. A query is only ever compared with
 * the vectors of its own partition, which is what keeps a semantic hit from crossing models,
 * parameters, namespaces or teams.
 *
 * <p>Each partition is a bounded ring of the newest entries, searched by a plain scan rather than
 * an approximate (HNSW) graph: a partition holds one model's answers for one exact set of
 * parameters, so it is small (at most {@code maxEntriesPerPartition}, 1,000 by default); scanning
 * 1,000 vectors of 1,536 floats is about 1.5 M multiply-adds, well under a millisecond, exact
 * (no recall loss), allocation-free and needs no index maintenance on insert or expiry. A graph
 * would pay off from tens of thousands of entries per partition.
 *
 * <p>Each entry also keeps what {@link MeaningGuard} reads of its text, and a stored input whose
 * words say it asks something else (a reversed direction, other numbers, one word swapped) is
 * never the nearest, however close its vector.
 */
public final class SemanticIndex {
    /** The nearest stored input: its exact key and similarity; null key when the partition is empty. */
    public record Nearest(String key, double similarity) {}

    private final Cache<String, Partition> partitions;
    private final int maxEntries;
    private final LongSupplier clock;

    public SemanticIndex(int maxPartitions, int maxEntriesPerPartition, LongSupplier clock) {
        this.partitions = Caffeine.newBuilder().maximumSize(maxPartitions).executor(Runnable::run).build();
        this.maxEntries = maxEntriesPerPartition;
        this.clock = clock;
    }

    /**
     * Adds a stored answer's input vector; the oldest entry of a full partition makes room.
     *
     * @param text the text that was embedded (null: the entry is compared by its vector alone)
     */
    public void add(String partition, float[] vector, String text, String key, long expiresAtMillis) {
        float[] unit = normalised(vector);
        if (unit == null) {
            return;
        }
        MeaningGuard.Words words = text == null ? null : MeaningGuard.of(text);
        partitions.get(partition, p -> new Partition(maxEntries)).add(unit, words, key, expiresAtMillis);
    }

    /**
     * The most similar unexpired input in {@code partition} to {@code vector} among those whose
     * words do not say they ask something else than {@code text} (null: by vector alone).
     */
    public Nearest nearest(String partition, float[] vector, String text) {
        Partition p = partitions.getIfPresent(partition);
        float[] unit = normalised(vector);
        if (p == null || unit == null) {
            return new Nearest(null, 0);
        }
        return p.nearest(unit, text == null ? null : MeaningGuard.of(text), clock.getAsLong());
    }

    static float[] normalised(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        if (norm == 0 || Double.isNaN(norm)) {
            return null;
        }
        float scale = (float) (1 / Math.sqrt(norm));
        float[] unit = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            unit[i] = v[i] * scale;
        }
        return unit;
    }

    /** One partition's newest entries; event loops on several threads share it, hence the lock. */
    private static final class Partition {
        private final float[][] vectors;
        private final String[] keys;
        private final MeaningGuard.Words[] words;
        private final long[] expires;
        private int next;
        private int size;

        Partition(int capacity) {
            vectors = new float[capacity][];
            keys = new String[capacity];
            words = new MeaningGuard.Words[capacity];
            expires = new long[capacity];
        }

        synchronized void add(float[] unit, MeaningGuard.Words text, String key, long expiresAt) {
            for (int i = 0; i < size; i++) {
                if (keys[i].equals(key)) { // stored again (no-cache): refresh in place
                    vectors[i] = unit;
                    words[i] = text;
                    expires[i] = expiresAt;
                    return;
                }
            }
            vectors[next] = unit;
            words[next] = text;
            keys[next] = key;
            expires[next] = expiresAt;
            next = (next + 1) % vectors.length;
            size = Math.min(size + 1, vectors.length);
        }

        synchronized Nearest nearest(float[] query, MeaningGuard.Words asked, long now) {
            String best = null;
            double bestSimilarity = -2;
            for (int i = 0; i < size; i++) {
                if (expires[i] <= now || vectors[i].length != query.length) {
                    continue; // another embedding model's vector (config changed) never compares
                }
                float[] v = vectors[i];
                double dot = 0;
                for (int k = 0; k < v.length; k++) {
                    dot += v[k] * query[k];
                }
                if (dot > bestSimilarity
                        && (asked == null || words[i] == null || MeaningGuard.compatible(words[i], asked))) {
                    bestSimilarity = dot;
                    best = keys[i];
                }
            }
            return new Nearest(best, best == null ? 0 : bestSimilarity);
        }
    }
}
