package dev.gatehouse.dialect.mistral;

import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.provider.ConfiguredProvider;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;

/**
 * Mistral's API: {@code POST {base}/chat/completions} and {@code /embeddings} with
 * {@code Authorization: Bearer}; {@code base-url} defaults to {@code https://api.mistral.ai/v1}.
 */
public final class MistralProvider extends ConfiguredProvider {
    public static final String DEFAULT_BASE_URL = "https://api.mistral.ai/v1";
    private static final MistralWireCodec CODEC = new MistralWireCodec();

    private final String baseUrl;

    public MistralProvider(ProviderConfig config, Transport transport) {
        super(config, transport, CODEC);
        this.baseUrl = trimSlash(config.baseUrl() == null ? DEFAULT_BASE_URL : config.baseUrl());
    }

    @Override
    public UpstreamRequest chat(Buffer body, String upstreamModel, boolean stream) {
        return new UpstreamRequest(baseUrl + "/chat/completions", headers(stream), body, stream);
    }

    @Override
    public UpstreamRequest embeddings(Buffer body, String upstreamModel) {
        return new UpstreamRequest(baseUrl + "/embeddings", headers(false), body, false);
    }

    @Override
    public MistralProvider withApiKey(String apiKey) {
        return new MistralProvider(config.withApiKey(apiKey), transport());
    }

    private MultiMap headers(boolean stream) {
        MultiMap headers = baseHeaders(stream);
        if (config.apiKey() != null && !config.apiKey().isEmpty()) {
            headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + config.apiKey());
        }
        return headers;
    }
}
