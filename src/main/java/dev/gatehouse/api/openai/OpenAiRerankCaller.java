package dev.gatehouse.api.openai;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallContent;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.MediaUnits;
import dev.gatehouse.call.OutputFilter;
import dev.gatehouse.canonical.RerankResponse;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import dev.gatehouse.dialect.openai.RerankBody;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.RerankWire;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.routing.Target;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code POST /v1/rerank} request and its answer. Always translated: the caller's Cohere/Jina shape
 * becomes the target's own (Cohere's {@code /v2/rerank}, or the Jina shape of OpenAI-compatible
 * servers and the mock), and the answer comes back in the caller's shape with the documents added
 * when asked. Usage: the upstream's token count when it reports one, else an estimate (the query read
 * once per document, plus the documents), settled as estimated; search units as reported, else as
 * Cohere counts them.
 */
final class OpenAiRerankCaller implements CallerFormat, CallContent {
    private RerankBody rerank;

    OpenAiRerankCaller(RerankBody rerank) {
        this.rerank = rerank;
    }

    @Override
    public boolean stream() {
        return false;
    }

    /** Input tokens a reranker reads: the query beside each document, and the documents. */
    Usage estimate() {
        List<String> texts = rerank.request().documents();
        Usage docs = OpenAiEmbeddingsCaller.estimate(texts);
        Usage query = OpenAiEmbeddingsCaller.estimate(List.of(rerank.request().query()));
        return Usage.of(docs.inputTokens() + query.inputTokens() * texts.size(), 0);
    }

    @Override
    public Leg leg(Target target) {
        return new Leg() {
            private RerankWire wire;

            @Override
            public Future<UpstreamRequest> upstreamRequest() {
                Provider provider = target.provider();
                wire = provider.rerank();
                if (wire == null) {
                    return Future.failedFuture(new UpstreamException(UpstreamError.of(ErrorClass.NOT_FOUND,
                            "provider '" + provider.name() + "' does not serve rerank")));
                }
                return Future.succeededFuture(wire.request(rerank.request().withModel(target.upstreamModel())));
            }

            @Override
            public Buffer answer(Buffer upstreamBody, Call call) {
                RerankResponse response = wire.decode(upstreamBody);
                try {
                    rerank.sorted(response);
                } catch (IllegalArgumentException e) {
                    throw new UpstreamException(UpstreamError.of(ErrorClass.UPSTREAM_ERROR, e.getMessage()));
                }
                long tokens;
                if (response.usage() != null) {
                    call.usage(response.usage());
                    tokens = response.usage().inputTokens();
                } else {
                    Usage estimate = estimate();
                    call.usageEstimate(() -> estimate);
                    tokens = -1; // not reported upstream: the caller sees none rather than a guess
                }
                long units = response.searchUnits() != null ? response.searchUnits() : rerank.searchUnits();
                call.media(media().withQuantity(units)); // billed for what the upstream counted
                return rerank.answer(response, target.upstreamModel(), units, tokens);
            }

            @Override
            public StreamRelay relay() {
                throw new UnsupportedOperationException("rerank answers are never streamed");
            }
        };
    }

    /** Search units as the request implies them (one per started 100 documents), what a budget reserves. */
    @Override
    public MediaUnits media() {
        return new MediaUnits(MediaUnits.Unit.SEARCH_UNIT, rerank.searchUnits(), null);
    }

    @Override
    public CallContent content() {
        return this;
    }

    @Override
    public Buffer body() {
        return rerank.body();
    }

    @Override
    public void replaceBody(Buffer rewritten) {
        rerank = RerankBody.parse(rewritten);
    }

    /** Scores and indexes carry no text to check or restore (documents returned are the caller's own). */
    @Override
    public void filterOutput(OutputFilter filter) {}

    @Override
    public Buffer errorBody(GatewayException error) {
        return OpenAiErrors.body(error);
    }
}
