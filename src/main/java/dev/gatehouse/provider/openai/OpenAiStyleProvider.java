package dev.gatehouse.provider.openai;

import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.config.Timeouts;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.WireCodec;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.util.Map;

/**
 * Everything that speaks OpenAI's wire format (OpenAI itself, Azure OpenAI, every
 * OpenAI-compatible server, the mock). Subclasses differ only in URL layout and auth header.
 */
public abstract class OpenAiStyleProvider implements Provider {
    private static final WireCodec CODEC = new OpenAiWireCodec();
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");

    protected final ProviderConfig config;
    private final Transport transport;

    protected OpenAiStyleProvider(ProviderConfig config, Transport transport) {
        this.config = config;
        this.transport = transport;
    }

    /** The absolute URL of an operation ("chat/completions", "embeddings") for this model. */
    protected abstract String url(String operation, String upstreamModel);

    /** Adds the authentication header(s). */
    protected abstract void authenticate(MultiMap headers);

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
    public java.util.List<String> extraApiKeys() {
        return config.extraApiKeys();
    }

    @Override
    public boolean passthrough() {
        return config.passthrough();
    }

    @Override
    public UpstreamRequest chat(Buffer body, String upstreamModel, boolean stream) {
        return new UpstreamRequest(url("chat/completions", upstreamModel), headers(stream), body, stream);
    }

    @Override
    public UpstreamRequest embeddings(Buffer body, String upstreamModel) {
        return new UpstreamRequest(url("embeddings", upstreamModel), headers(false), body, false);
    }

    private MultiMap headers(boolean stream) {
        MultiMap headers = HttpHeaders.headers();
        headers.set(HttpHeaders.CONTENT_TYPE, JSON);
        headers.set(HttpHeaders.ACCEPT, stream ? EVENT_STREAM : JSON);
        for (Map.Entry<String, String> header : config.headers().entrySet()) {
            headers.set(header.getKey(), header.getValue());
        }
        authenticate(headers);
        return headers;
    }

    /** The base URL without a trailing slash. */
    protected static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
