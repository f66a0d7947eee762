package dev.gatehouse.provider.anthropic;

import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.config.Timeouts;
import dev.gatehouse.gateway.GatewayException;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.WireCodec;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.util.Map;

/**
 * Anthropic's Messages API: {@code POST {base}/v1/messages} with {@code x-api-key} and
 * {@code anthropic-version}. The base URL is the origin without {@code /v1}
 * (default {@code https://api.anthropic.com}); a configured base ending in {@code /v1} is accepted too.
 */
public final class AnthropicProvider implements Provider {
    public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
    private static final WireCodec CODEC = new AnthropicWireCodec();
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");

    private final ProviderConfig config;
    private final Transport transport;
    private final String messagesUrl;

    public AnthropicProvider(ProviderConfig config, Transport transport) {
        this.config = config;
        this.transport = transport;
        String base = config.baseUrl() == null ? DEFAULT_BASE_URL : config.baseUrl();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        this.messagesUrl = base + (base.endsWith("/v1") ? "/messages" : "/v1/messages");
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public WireCodec codec() {
        return CODEC;
    }

    @Override
    public Transport transport() {
        return transport;
    }

    @Override
    public Timeouts timeouts() {
        return config.timeouts();
    }

    @Override
    public boolean passthrough() {
        return config.passthrough();
    }

    @Override
    public UpstreamRequest chat(Buffer body, String upstreamModel, boolean stream) {
        MultiMap headers = HttpHeaders.headers();
        headers.set(HttpHeaders.CONTENT_TYPE, JSON);
        headers.set(HttpHeaders.ACCEPT, stream ? EVENT_STREAM : JSON);
        headers.set("anthropic-version", AnthropicFormat.API_VERSION);
        for (Map.Entry<String, String> header : config.headers().entrySet()) {
            headers.set(header.getKey(), header.getValue()); // e.g. anthropic-beta
        }
        if (config.apiKey() != null && !config.apiKey().isEmpty()) {
            headers.set("x-api-key", config.apiKey());
        }
        return new UpstreamRequest(messagesUrl, headers, body, stream);
    }

    @Override
    public java.util.List<String> extraApiKeys() {
        return config.extraApiKeys();
    }

    @Override
    public AnthropicProvider withApiKey(String apiKey) {
        return new AnthropicProvider(config.withApiKey(apiKey), transport);
    }

    @Override
    public UpstreamRequest embeddings(Buffer body, String upstreamModel) {
        throw GatewayException.invalid("Anthropic has no embeddings API: provider '" + config.name()
                + "' cannot serve embedding model '" + upstreamModel + "'.", "model");
    }
}
