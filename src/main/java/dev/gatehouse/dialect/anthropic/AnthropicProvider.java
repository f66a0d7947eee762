package dev.gatehouse.dialect.anthropic;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.provider.ConfiguredProvider;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.WireCodec;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * Anthropic's Messages API: {@code POST {base}/v1/messages} with {@code x-api-key} and
 * {@code anthropic-version}. The base URL is the origin without {@code /v1}
 * (default {@code https://api.anthropic.com}); a configured base ending in {@code /v1} is accepted too.
 */
public final class AnthropicProvider extends ConfiguredProvider {
    public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
    private static final WireCodec CODEC = new AnthropicWireCodec();

    private final String messagesUrl;

    public AnthropicProvider(ProviderConfig config, Transport transport) {
        super(config, transport, CODEC);
        String base = trimSlash(config.baseUrl() == null ? DEFAULT_BASE_URL : config.baseUrl());
        this.messagesUrl = base + (base.endsWith("/v1") ? "/messages" : "/v1/messages");
    }

    @Override
    public UpstreamRequest chat(Buffer body, String upstreamModel, boolean stream) {
        MultiMap headers = baseHeaders(stream); // configured extras, e.g. anthropic-beta
        if (!headers.contains("anthropic-version")) {
            headers.set("anthropic-version", AnthropicFormat.API_VERSION);
        }
        if (config.apiKey() != null && !config.apiKey().isEmpty()) {
            headers.set("x-api-key", config.apiKey());
        }
        return new UpstreamRequest(messagesUrl, headers, body, stream);
    }

    /** {@code GET /v1/models}: the model list, with the key and version headers of a call. */
    @Override
    public UpstreamRequest probe() {
        UpstreamRequest call = chat(Buffer.buffer(), null, false);
        return new UpstreamRequest(messagesUrl.substring(0, messagesUrl.length() - "/messages".length()) + "/models",
                call.headers(), Buffer.buffer(), false);
    }

    @Override
    public AnthropicProvider withApiKey(String apiKey) {
        return new AnthropicProvider(config.withApiKey(apiKey), transport());
    }

    @Override
    public UpstreamRequest embeddings(Buffer body, String upstreamModel) {
        throw GatewayException.invalid("Anthropic has no embeddings API: provider '" + config.name()
                + "' cannot serve embedding model '" + upstreamModel + "'.", "model");
    }
}
