package dev.gatehouse.api.openai;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallContent;
import dev.gatehouse.call.OutputFilter;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsDecoder;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsEncoder;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsScan;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import dev.gatehouse.dialect.openai.OpenAiUsageReader;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.WireFormat;
import dev.gatehouse.routing.Target;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

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
            @Override
            public Future<UpstreamRequest> upstreamRequest() {
                Provider provider = target.provider();
                String model = target.upstreamModel();
                try {
                    if (passthrough) {
                        return Future.succeededFuture(provider.embeddings(scan.withModel(model), model));
                    }
                    EmbeddingRequest request = OpenAiEmbeddingsDecoder.decode(scan.withModel(model));
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
                call.usage(response.usage());
                return OpenAiEmbeddingsEncoder.encode(response, scan.encodingFormat() == null ? "float" : scan.encodingFormat());
            }

            @Override
            public StreamRelay relay() {
                throw new UnsupportedOperationException("embeddings are never streamed");
            }
        };
    }

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
