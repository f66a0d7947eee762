package dev.gatehouse.api.rag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.api.Loopback;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.rag.ChunkIndex;
import dev.gatehouse.rag.KnowledgeBase;
import dev.gatehouse.rag.KnowledgeBases;
import dev.gatehouse.rag.RagStore;
import dev.gatehouse.rag.SearchFilters;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.List;

/**
 * One search of vector stores, shared by {@code POST /v1/vector_stores/{id}/search} and the
 * {@code file_search} tool: the store ids are checked against the caller's team first (an id that
 * is neither its own nor shared with it by an access policy is a 404 and is never searched), then
 * the query is embedded as the caller (routed, budgeted, logged) and searched in those stores only.
 */
public final class StoreSearch {
    static final int DEFAULT_RESULTS = 10;
    static final int MAX_RESULTS = 50;
    /** The rankers OpenAI names; anything else in {@code ranking_options.ranker} names a rerank model. */
    static final List<String> OPENAI_RANKERS = List.of("auto", "default-2024-11-15", "default_2024_08_21", "none");
    private final KnowledgeBases kbs;
    private final SearchReranking reranking;

    public StoreSearch(KnowledgeBases kbs) {
        this(kbs, null);
    }

    /** With reranking by a configured model (null: fused order only). */
    public StoreSearch(KnowledgeBases kbs, SearchReranking reranking) {
        this.kbs = kbs;
        this.reranking = reranking;
    }

    /**
     * A search's parameters, checked.
     *
     * @param prefix where the fields sit in the request, for error messages ("" or "tools[0].")
     */
    record Request(String query, int maxResults, JsonNode filters, double threshold, String ranker, String prefix) {
        static Request of(JsonNode body, String prefix) {
            JsonNode q = body.get("query");
            String query;
            if (q != null && q.isTextual() && !q.asText().isBlank()) {
                query = q.asText();
            } else if (q != null && q.isArray() && !q.isEmpty()) {
                StringBuilder joined = new StringBuilder();
                for (JsonNode part : q) {
                    if (!part.isTextual()) {
                        throw GatewayException.invalid("Invalid '" + prefix + "query': expected a string or an array of strings.",
                                prefix + "query");
                    }
                    joined.append(joined.isEmpty() ? "" : " ").append(part.asText());
                }
                query = joined.toString();
            } else {
                throw GatewayException.invalid("Missing required parameter: '" + prefix + "query' (a non-empty string).",
                        prefix + "query");
            }
            return withQuery(body, prefix, query);
        }

        static Request withQuery(JsonNode body, String prefix, String query) {
            int max = integer(body, prefix, "max_num_results", 1, MAX_RESULTS, DEFAULT_RESULTS);
            JsonNode filters = body.get("filters");
            if (filters != null && !filters.isNull()) {
                SearchFilters.parse(filters, prefix + "filters"); // checked now: a bad filter is a 400 before any work
            }
            double threshold = 0;
            String ranker = null;
            JsonNode ranking = body.get("ranking_options");
            if (ranking != null && !ranking.isNull()) {
                if (!ranking.isObject()) {
                    throw GatewayException.invalid("Invalid '" + prefix + "ranking_options': expected an object.", prefix + "ranking_options");
                }
                JsonNode r = ranking.get("ranker");
                if (r != null && !r.isNull()) {
                    if (!r.isTextual() || r.asText().isBlank()) {
                        throw GatewayException.invalid("Invalid '" + prefix + "ranking_options.ranker': expected 'auto', 'none' or"
                                + " the name of a rerank model.", prefix + "ranking_options.ranker");
                    }
                    ranker = r.asText(); // a model name is checked against the configuration when the search runs
                }
                JsonNode t = ranking.get("score_threshold");
                if (t != null && !t.isNull()) {
                    if (!t.isNumber() || t.asDouble() < 0 || t.asDouble() > 1) {
                        throw GatewayException.invalid("Invalid '" + prefix + "ranking_options.score_threshold': expected a number"
                                + " between 0 and 1.", prefix + "ranking_options.score_threshold");
                    }
                    threshold = t.asDouble();
                }
            }
            JsonNode rewrite = body.get("rewrite_query");
            if (rewrite != null && !rewrite.isNull() && !rewrite.isBoolean()) {
                throw GatewayException.invalid("Invalid '" + prefix + "rewrite_query': expected a boolean.", prefix + "rewrite_query");
            }
            return new Request(query, max, filters == null || filters.isNull() ? null : filters, threshold, ranker, prefix);
        }

        private static int integer(JsonNode body, String prefix, String field, int min, int max, int fallback) {
            JsonNode n = body.get(field);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isIntegralNumber() || n.asLong() < min || n.asLong() > max) {
                throw GatewayException.invalid("Invalid '" + prefix + field + "': expected an integer between " + min + " and "
                        + max + ".", prefix + field);
            }
            return n.asInt();
        }
    }

    /** The owner of what this caller creates and may see (see {@link RagHttp#owner}). */
    String owner(Call call) {
        return RagHttp.owner(call, kbs);
    }

    /**
     * The stores with these ids the caller may read: its own, or another owner's shared with it by an
     * access policy ({@code vector_stores}, read-only). A 404 for any other id (exactly as an unknown
     * one: nothing tells another team's store from a made-up id), a 400 for an expired store.
     */
    Future<List<RagStore.StoreRow>> readable(Context ctx, Call call, String owner, List<String> ids, String param) {
        return RagHttp.on(ctx, kbs.of(owner).store().stores(owner, ids)).compose(own -> {
            List<Future<RagStore.StoreRow>> all = ids.stream().map(id -> own.stream().filter(r -> r.id().equals(id)).findFirst()
                    .map(Future::succeededFuture).orElseGet(() -> shared(ctx, call, owner, id))).toList();
            return Future.all(all).map(v -> {
                List<RagStore.StoreRow> found = new java.util.ArrayList<>();
                for (int i = 0; i < ids.size(); i++) {
                    RagStore.StoreRow s = all.get(i).result();
                    if (s == null) {
                        throw new GatewayException(dev.gatehouse.call.ErrorType.NOT_FOUND, "No such vector store: " + ids.get(i), param,
                                "not_found");
                    }
                    if (s.expired(RagHttp.now())) {
                        throw GatewayException.invalid("Vector store " + ids.get(i) + " has expired.", param);
                    }
                    found.add(s);
                }
                return found;
            });
        });
    }

    /** The store {@code id} when the caller may read it (its own or shared with it), else null. */
    Future<RagStore.StoreRow> readable(Context ctx, Call call, String owner, String id) {
        return RagHttp.on(ctx, kbs.of(owner).store().store(owner, id)).compose(own -> own != null ? Future.succeededFuture(own)
                : shared(ctx, call, owner, id));
    }

    /**
     * Another owner's store {@code id} when a policy of the caller shares it, else null (denied by
     * default). Sharing is between the gateway's own stores only: a zero-data-retention caller (an
     * ephemeral owner) reads its own memory-only stores and nothing shared.
     */
    private Future<RagStore.StoreRow> shared(Context ctx, Call call, String owner, String id) {
        if (call.principal() == null || owner.startsWith(KnowledgeBases.EPHEMERAL)) {
            return Future.succeededFuture(null);
        }
        return RagHttp.on(ctx, kbs.persistent().store().sharedStore(id)).map(s -> s != null
                && call.principal().rules().mayReadVectorStore(s.id(), RagHttp.ownerTeam(s.owner())) ? s : null);
    }

    /**
     * Runs the search as the caller; the stores become active now (their expiry moves). With a rerank
     * model (named by {@code ranking_options.ranker}, else {@code rag.rerank-model}), the fused top
     * candidates are reranked by it and the threshold applies to its scores (see {@link SearchReranking}).
     */
    Future<List<ChunkIndex.Hit>> run(Context ctx, Call call, List<RagStore.StoreRow> stores, Request r) {
        String model;
        try {
            if (reranking == null && r.ranker() != null && !OPENAI_RANKERS.contains(r.ranker())) {
                throw GatewayException.invalid("Invalid '" + r.prefix() + "ranking_options.ranker': expected 'auto' or 'none'.",
                        r.prefix() + "ranking_options.ranker");
            }
            model = reranking == null ? null : reranking.model(r.ranker(), r.prefix() + "ranking_options.ranker");
        } catch (GatewayException e) {
            return Future.failedFuture(e);
        }
        KnowledgeBase kb = kbs.of(stores.isEmpty() ? "" : stores.getFirst().owner()); // all ephemeral or all not (see shared)
        kb.store().touch(stores, RagHttp.now());
        java.util.Map<String, String> credentials = Loopback.credentials(call.headers());
        if (model == null) {
            return RagHttp.on(ctx, kb.search(stores, r.query(), r.filters(), "filters", r.maxResults(), r.threshold(), credentials));
        }
        return RagHttp.on(ctx, kb.search(stores, r.query(), r.filters(), "filters", SearchReranking.candidates(r.maxResults()), 0,
                credentials)).compose(fused -> reranking.rerank(model, r.query(), fused, r.maxResults(), r.threshold(), credentials,
                        r.prefix() + "ranking_options.ranker"));
    }

    /** A result as the search API shows it. */
    static ObjectNode result(ChunkIndex.Hit h) {
        ObjectNode o = OpenAiJson.MAPPER.createObjectNode().put("file_id", h.fileId()).put("filename", h.filename())
                .put("score", h.score());
        o.set("attributes", RagJson.tree(h.attributesJson()));
        o.putArray("content").addObject().put("type", "text").put("text", h.text());
        return o;
    }
}
