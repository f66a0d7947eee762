package dev.gatehouse.api.openai;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallContent;
import dev.gatehouse.call.OutputFilter;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsDecoder;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsEncoder;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsScan;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import dev.gatehouse.dialect.openai.OpenAiUsageReader;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.pricing.TokenCounter;
import dev.gatehouse.pricing.TokenEstimate;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.WireFormat;
import dev.gatehouse.routing.Target;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A {@code POST /v1/embeddings} request and how to answer it in OpenAI's format. */
final class OpenAiEmbeddingsCaller implements CallerFormat, CallContent {
    /** The request as sent upstream: replaced when a guardrail masks its input. */
    private OpenAiEmbeddingsScan scan;

    OpenAiEmbeddingsCaller(OpenAiEmbeddingsScan scan) {
        this.scan = scan;
    }

    @Override
    public boolean stream() {
        return false;
    }

    @Override
    public Leg leg(Target target) {
        boolean passthrough = CallerFormat.sameFormat(WireFormat.OPENAI, target.provider());
        return new Leg() {
            /** The request as translated for the upstream: what an estimate of unreported usage counts. */
            private EmbeddingRequest translated;
            /** That estimate, made on a worker while the request is upstream. */
            private Future<Usage> counting;

            @Override
            public Future<UpstreamRequest> upstreamRequest() {
                Provider provider = target.provider();
                String model = target.upstreamModel();
                try {
                    if (passthrough) {
                        return Future.succeededFuture(provider.embeddings(scan.withModel(model), model));
                    }
                    EmbeddingRequest request = OpenAiEmbeddingsDecoder.decode(scan.withModel(model));
                    translated = request;
                    Context context = Vertx.currentContext();
                    if (context != null) {
                        counting = context.executeBlocking(() -> estimate(request.inputs()), false);
                    }
                    return Future.succeededFuture(provider.embeddings(provider.codec().encodeEmbeddings(request), model));
                } catch (GatewayException e) {
                    return Future.failedFuture(e);
                }
            }

            @Override
            public Buffer answer(Buffer upstreamBody, Call call) {
                if (passthrough) {
                    call.usage(OpenAiUsageReader.read(upstreamBody));
                    return upstreamBody;
                }
                EmbeddingResponse response = target.provider().codec().decodeEmbeddings(upstreamBody);
                if (response.usage() == null && translated != null) {
                    // Not reported (Gemini): the caller and the request log get an estimate, settled
                    // as estimated (Settler) rather than as the provider's count.
                    // Counted on a worker while the request was upstream; here only if the answer came first (rare).
                    Usage estimate = counting != null && counting.succeeded() ? counting.result() : estimate(translated.inputs());
                    response = new EmbeddingResponse(response.model(), response.vectors(), estimate);
                    call.usageEstimate(() -> estimate);
                } else {
                    call.usage(response.usage());
                }
                return OpenAiEmbeddingsEncoder.encode(response, scan.encodingFormat() == null ? "float" : scan.encodingFormat());
            }

            @Override
            public StreamRelay relay() {
                throw new UnsupportedOperationException("embeddings are never streamed");
            }
        };
    }

    /**
     * Input tokens of the texts to embed: counted with the tokenizer up to
     * {@link #EXACT_COUNT_MAX_CHARS} characters in all, else from the size, about 4 bytes a token,
     * as admission estimates.
     */
    static Usage estimate(List<String> inputs) {
        long chars = 0;
        for (String input : inputs) {
            chars += input.length();
        }
        long tokens = 0;
        if (chars <= EXACT_COUNT_MAX_CHARS) {
            for (String input : inputs) {
                tokens += TokenCounter.text(input);
            }
        } else {
            long bytes = 0;
            for (String input : inputs) {
                bytes += input.getBytes(StandardCharsets.UTF_8).length;
            }
            tokens = TokenEstimate.typical(bytes);
        }
        return Usage.of(tokens, 0);
    }

    /** Up to this many characters are tokenized exactly (milliseconds of CPU); more are estimated from their size. */
    static final long EXACT_COUNT_MAX_CHARS = 64 * 1024;

    @Override
    public CallContent content() {
        return this;
    }

    @Override
    public Buffer body() {
        return scan.body();
    }

    @Override
    public void replaceBody(Buffer rewritten) {
        scan = OpenAiEmbeddingsScan.scan(rewritten);
    }

    /** Vectors carry no text to check or restore. */
    @Override
    public void filterOutput(OutputFilter filter) {}

    @Override
    public Buffer errorBody(GatewayException error) {
        return OpenAiErrors.body(error);
    }
}
