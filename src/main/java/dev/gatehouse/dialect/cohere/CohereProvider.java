package dev.gatehouse.dialect.cohere;

import dev.gatehouse.canonical.RerankRequest;
import dev.gatehouse.canonical.RerankResponse;
import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.provider.ConfiguredProvider;
import dev.gatehouse.provider.RerankWire;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;

/**
 * Cohere's v2 API: {@code POST {base}/v2/chat} (streams with {@code "stream": true}) and
 * {@code /v2/embed} and {@code /v2/rerank}, {@code Authorization: Bearer}; {@code base-url} defaults to {@code https://api.cohere.com}.
 */
public final class CohereProvider extends ConfiguredProvider {
    public static final String DEFAULT_BASE_URL = "https://api.cohere.com";
    private static final CohereWireCodec CODEC = new CohereWireCodec();

    private final String baseUrl;

    public CohereProvider(ProviderConfig config, Transport transport) {
        super(config, transport, CODEC);
        String base = trimSlash(config.baseUrl() == null ? DEFAULT_BASE_URL : config.baseUrl());
        this.baseUrl = base.endsWith("/v2") ? base.substring(0, base.length() - 3) : base;
    }

    @Override
    public UpstreamRequest chat(Buffer body, String upstreamModel, boolean stream) {
        return new UpstreamRequest(baseUrl + "/v2/chat", headers(stream), body, stream);
    }

    @Override
    public UpstreamRequest embeddings(Buffer body, String upstreamModel) {
        return new UpstreamRequest(baseUrl + "/v2/embed", headers(false), body, false);
    }

    @Override
    public RerankWire rerank() {
        return new RerankWire() {
            @Override
            public UpstreamRequest request(RerankRequest request) {
                return new UpstreamRequest(baseUrl + "/v2/rerank", headers(false), CohereRerank.encode(request), false);
            }

            @Override
            public RerankResponse decode(Buffer body) {
                return CohereRerank.decode(body);
            }
        };
    }

    @Override
    public CohereProvider withApiKey(String apiKey) {
        return new CohereProvider(config.withApiKey(apiKey), transport());
    }

    private MultiMap headers(boolean stream) {
        MultiMap headers = baseHeaders(stream);
        if (config.apiKey() != null && !config.apiKey().isEmpty()) {
            headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + config.apiKey());
        }
        return headers;
    }
}
