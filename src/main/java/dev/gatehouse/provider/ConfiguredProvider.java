package dev.gatehouse.provider;

import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.config.Timeouts;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.List;
import java.util.Map;

/**
 * What every HTTP provider shares: its config, transport and wire codec, and the headers every
 * upstream call carries. Subclasses add only their URL layout and authentication.
 */
public abstract class ConfiguredProvider implements Provider {
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");

    protected final ProviderConfig config;
    private final Transport transport;
    private final WireCodec codec;

    protected ConfiguredProvider(ProviderConfig config, Transport transport, WireCodec codec) {
        this.config = config;
        this.transport = transport;
        this.codec = codec;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public WireCodec codec() {
        return codec;
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
    public List<String> extraApiKeys() {
        return config.extraApiKeys();
    }

    /** Content type, accept (event stream or JSON) and the configured extra headers; the subclass adds auth. */
    protected MultiMap baseHeaders(boolean stream) {
        MultiMap headers = HttpHeaders.headers();
        headers.set(HttpHeaders.CONTENT_TYPE, JSON);
        headers.set(HttpHeaders.ACCEPT, stream ? EVENT_STREAM : JSON);
        for (Map.Entry<String, String> header : config.headers().entrySet()) {
            headers.set(header.getKey(), header.getValue());
        }
        return headers;
    }

    /** A base URL without trailing slashes. */
    protected static String trimSlash(String url) {
        String trimmed = url;
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed;
    }
}
