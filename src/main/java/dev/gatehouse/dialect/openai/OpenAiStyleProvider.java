package dev.gatehouse.dialect.openai;

import dev.gatehouse.canonical.RerankRequest;
import dev.gatehouse.canonical.RerankResponse;
import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.provider.ConfiguredProvider;
import dev.gatehouse.provider.RerankWire;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.Upload;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.WireCodec;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;

/**
 * Everything that speaks OpenAI's wire format (OpenAI itself, Azure OpenAI, every
 * OpenAI-compatible server, the mock). Subclasses differ only in URL layout and auth header.
 */
public abstract class OpenAiStyleProvider extends ConfiguredProvider {
    private static final WireCodec CODEC = new OpenAiWireCodec();

    protected OpenAiStyleProvider(ProviderConfig config, Transport transport) {
        super(config, transport, CODEC);
    }

    /** The absolute URL of an operation ("chat/completions", "embeddings") for this model. */
    protected abstract String url(String operation, String upstreamModel);

    /** Adds the authentication header(s). */
    protected abstract void authenticate(MultiMap headers);

    @Override
    public UpstreamRequest chat(Buffer body, String upstreamModel, boolean stream) {
        return new UpstreamRequest(url("chat/completions", upstreamModel), headers(stream), body, stream);
    }

    @Override
    public boolean servesResponses() {
        return config.responses();
    }

    @Override
    public UpstreamRequest responses(Buffer body, String upstreamModel, boolean stream) {
        return new UpstreamRequest(url("responses", upstreamModel), headers(stream), body, stream);
    }

    @Override
    public UpstreamRequest embeddings(Buffer body, String upstreamModel) {
        return new UpstreamRequest(url("embeddings", upstreamModel), headers(false), body, false);
    }

    /** Jina's rerank shape at {@code rerank} next to {@code embeddings}: what OpenAI-compatible rerank servers serve. */
    @Override
    public RerankWire rerank() {
        return new RerankWire() {
            @Override
            public UpstreamRequest request(RerankRequest request) {
                return new UpstreamRequest(url("rerank", request.model()), headers(false), JinaStyleRerank.encode(request), false);
            }

            @Override
            public RerankResponse decode(Buffer body) {
                return JinaStyleRerank.decode(body);
            }
        };
    }

    @Override
    public boolean servesOpenAiMedia() {
        return true;
    }

    @Override
    public UpstreamRequest media(String operation, String contentType, Buffer body, Upload upload, String upstreamModel) {
        MultiMap headers = headers(false);
        headers.set(HttpHeaders.CONTENT_TYPE, contentType);
        headers.remove(HttpHeaders.ACCEPT); // speech answers audio, transcription text or JSON, as asked
        return new UpstreamRequest(url(operation, upstreamModel), headers, body, false, upload);
    }

    protected MultiMap headers(boolean stream) {
        MultiMap headers = baseHeaders(stream);
        authenticate(headers);
        return headers;
    }
}
