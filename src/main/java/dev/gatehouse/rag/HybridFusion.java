package dev.gatehouse.rag;

import org.apache.lucene.search.ScoreDoc;

/**
 * How the hybrid search fuses its BM25 and HNSW rankings: weighted reciprocal rank, a document at
 * rank {@code r} (0-based) of a ranking adding {@code weight / (k + r + 1)}. The vector ranking
 * weighs 1; the keyword ranking weighs by its own evidence ({@link #keywordWeight}), because
 * BM25's ranking of a question with no rare word in common with the text is an order by length
 * that, fused at full weight, buries the vector's good hits.
 *
 * <p>The two parameters were chosen on one half of bench/rag's labelled queries and are reported
 * on the other half (docs/performance.md#knowledge-bases), so the figure there is not fitted.
 *
 * @param k reciprocal-rank constant: small trusts the top of each ranking more
 * @param keywordExponent how sharply a flat keyword ranking loses weight (0: always full weight)
 * @param keywordFloor a keyword ranking whose evidence (top score's lead over the tenth, 0..1) is
 *                     below this is left out: it is noise, and even at a small weight it reorders
 *                     the vector's near ties
 */
public record HybridFusion(int k, double keywordExponent, double keywordFloor) {
    /**
     * The gateway's fusion, chosen on the tuning half of bench/rag (see the class comment). k = 1,
     * far below the usual 60: with two rankings, one of them weighted by its own evidence, a small k
     * lets a confident top hit (a name matched) lead, where k = 60 flattened every list into near
     * ties that the weaker ranking then reordered. A keyword ranking with less than 0.4 evidence is
     * left out (paraphrases: no rare word in common with the text).
     */
    public static final HybridFusion DEFAULT = new HybridFusion(1, 1, 0.4);

    public HybridFusion {
        if (k < 0 || keywordExponent < 0 || keywordFloor < 0 || keywordFloor >= 1) {
            throw new IllegalArgumentException("k and keywordExponent must be >= 0, keywordFloor in [0, 1)");
        }
    }

    /** A document's share of the fused score at {@code rank} (0-based) of a ranking of this weight. */
    double contribution(double weight, int rank) {
        return weight / (k + rank + 1);
    }

    /**
     * How much the keyword ranking says: a top hit well above the tenth (a rare word matched, a
     * name) is strong evidence (weight near 1); a flat ranking (common words matched everywhere
     * about equally) is little more than an order by length (weight near 0).
     */
    double keywordWeight(ScoreDoc[] ranking) {
        if (ranking.length < 2) {
            return 1.0;
        }
        double top = ranking[0].score;
        double tenth = ranking[Math.min(9, ranking.length - 1)].score;
        double gap = top <= 0 ? 0 : (top - tenth) / top;
        return gap < keywordFloor ? 0 : Math.pow(gap, keywordExponent);
    }
}
