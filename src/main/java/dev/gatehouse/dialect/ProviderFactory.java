package dev.gatehouse.dialect;

import dev.gatehouse.config.OutboundConfig;
import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.dialect.anthropic.AnthropicProvider;
import dev.gatehouse.dialect.azure.AzureOpenAiProvider;
import dev.gatehouse.dialect.bedrock.BedrockProvider;
import dev.gatehouse.dialect.cohere.CohereProvider;
import dev.gatehouse.dialect.gemini.GeminiProvider;
import dev.gatehouse.dialect.mistral.MistralProvider;
import dev.gatehouse.dialect.mock.MockProvider;
import dev.gatehouse.dialect.openai.OpenAiProvider;
import dev.gatehouse.dialect.vertex.VertexProvider;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.http.HttpTransport;
import dev.gatehouse.provider.http.ImageFetcher;
import dev.gatehouse.provider.http.UpstreamClients;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The provider registry: one line per provider kind. Adding a provider touches its package and this switch. */
public final class ProviderFactory {
    private final Vertx vertx;
    private final HttpTransport http;
    private final OutboundConfig outbound;
    private ImageFetcher images;

    public ProviderFactory(Vertx vertx, HttpClient client) {
        this(vertx, client, OutboundConfig.DEFAULTS);
    }

    /** {@code outbound}: where caller-supplied URLs (images) may be fetched from; read once, at start. */
    public ProviderFactory(Vertx vertx, HttpClient client, OutboundConfig outbound) {
        this.vertx = vertx;
        this.http = new HttpTransport(client);
        this.outbound = outbound;
    }

    /** One image fetcher (and its HTTP client) for every provider that needs image bytes, made on first use. */
    private synchronized ImageFetcher images() {
        if (images == null) {
            images = ImageFetcher.create(vertx, outbound);
        }
        return images;
    }

    /**
     * Transports of providers with TLS settings of their own, one per distinct setting, kept for
     * the process's life: a reload with the same settings reuses the client and its connections.
     */
    private final Map<ProviderConfig.UpstreamTls, HttpTransport> tlsTransports = new ConcurrentHashMap<>();

    /** Builds a provider, or throws IllegalArgumentException naming what is not supported. */
    public Provider create(ProviderConfig config) {
        HttpTransport http = config.tls() == null ? this.http
                : tlsTransports.computeIfAbsent(config.tls(), tls -> new HttpTransport(UpstreamClients.withTls(vertx, tls)));
        return switch (config.kind()) {
            case "openai" -> new OpenAiProvider(config, http);
            case "azure-openai" -> new AzureOpenAiProvider(config, http);
            case "mock" -> new MockProvider(config, vertx);
            case "anthropic" -> new AnthropicProvider(config, http);
            case "gemini" -> new GeminiProvider(config, http, images());
            case "bedrock" -> new BedrockProvider(config, http, vertx, images());
            case "mistral" -> new MistralProvider(config, http);
            case "cohere" -> new CohereProvider(config, http);
            case "vertex" -> new VertexProvider(config, VertexProvider.Publisher.GOOGLE, http, vertx, images());
            case "vertex-anthropic" -> new VertexProvider(config, VertexProvider.Publisher.ANTHROPIC, http, vertx, images());
            default -> throw new IllegalArgumentException("provider '" + config.name() + "': kind '" + config.kind()
                    + "' is not available in this version of Gatehouse (available: " + String.join(", ", ProviderConfig.KINDS) + ")");
        };
    }
}
