package dev.gatehouse.api.rag;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.ModelConfig;
import dev.gatehouse.rag.ChunkIndex;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reranking of search results by a configured model of type {@code rerank}: which model a search
 * uses ({@code ranking_options.ranker}, else {@code rag.rerank-model}), how many fused candidates it
 * reads ({@link #candidates}), and their order by the model's relevance scores, which become the
 * results' scores (so {@code score_threshold} applies to them). The model is asked through the
 * gateway as the caller ({@link LoopbackReranker}); when it fails, the search fails with its error.
 */
public final class SearchReranking {
    /** The most fused candidates one search reranks: a few search units, well under a reranker's limits. */
    static final int MAX_CANDIDATES = 100;
    /** At least this many candidates, so a search for one result still lets the reranker choose. */
    static final int MIN_CANDIDATES = 20;

    private final LoopbackReranker reranker;
    private final Supplier<GatehouseConfig> config;

    public SearchReranking(LoopbackReranker reranker, Supplier<GatehouseConfig> config) {
        this.reranker = reranker;
        this.config = config;
    }

    /**
     * The rerank model for a search whose {@code ranking_options.ranker} is {@code ranker} (null when
     * not given), or null for none: OpenAI's names ({@code auto}, the dated defaults) take the
     * configured default, {@code none} turns reranking off, any other name must be a model of type
     * {@code rerank}.
     */
    String model(String ranker, String param) {
        GatehouseConfig c = config.get();
        if (ranker == null || (StoreSearch.OPENAI_RANKERS.contains(ranker) && !"none".equals(ranker))) {
            return c.rag().rerankModel();
        }
        if ("none".equals(ranker)) {
            return null;
        }
        ModelConfig m = c.models().get(ranker);
        if (m == null || !"rerank".equals(m.type())) {
            throw GatewayException.invalid("Invalid '" + param + "': '" + ranker + "' is not a rerank model; expected 'auto', 'none'"
                    + " or the name of a model of type rerank (GET /v1/models lists them).", param);
        }
        return ranker;
    }

    /** How many fused results a search of {@code maxResults} reranks: four times as many, within bounds. */
    static int candidates(int maxResults) {
        return Math.min(MAX_CANDIDATES, Math.max(MIN_CANDIDATES, maxResults * 4));
    }

    /** The candidates by the model's relevance, best first; those under {@code threshold} dropped, at most {@code max}. */
    Future<List<ChunkIndex.Hit>> rerank(String model, String query, List<ChunkIndex.Hit> candidates, int max, double threshold,
            Map<String, String> credentials, String param) {
        if (candidates.isEmpty()) {
            return Future.succeededFuture(candidates);
        }
        List<String> texts = candidates.stream().map(ChunkIndex.Hit::text).toList();
        return reranker.scores(model, query, texts, credentials, param).map(scores -> {
            List<ChunkIndex.Hit> rescored = new ArrayList<>(candidates.size());
            for (int i = 0; i < candidates.size(); i++) {
                ChunkIndex.Hit h = candidates.get(i);
                rescored.add(new ChunkIndex.Hit(h.storeId(), h.fileId(), h.filename(), scores[i], h.text(), h.page(), h.start(), h.end(),
                        h.attributesJson()));
            }
            // Stable: equal relevance keeps the fused order.
            rescored.sort(Comparator.comparingDouble(ChunkIndex.Hit::score).reversed());
            return rescored.stream().filter(h -> h.score() >= threshold).limit(max).toList();
        });
    }
}
