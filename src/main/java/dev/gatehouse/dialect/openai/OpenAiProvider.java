package dev.gatehouse.dialect.openai;

import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.provider.BaseUrls;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;

/**
 * Any OpenAI-compatible API: OpenAI, DeepSeek, Mistral, Groq, Together, Fireworks, xAI,
 * OpenRouter, vLLM, Ollama, LM Studio. The base URL includes the version path (…/v1); a bare
 * host gets {@code /v1} added.
 */
public final class OpenAiProvider extends OpenAiStyleProvider {
    public static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";

    private final String baseUrl;
    private final String authorization;

    public OpenAiProvider(ProviderConfig config, Transport transport) {
        super(config, transport);
        // "http://localhost:11434" means its OpenAI API under /v1; a URL with a path is taken as given.
        this.baseUrl = BaseUrls.withVersionIfBare(config.baseUrl() == null ? DEFAULT_BASE_URL : config.baseUrl(), "v1");
        // Key-less local servers (Ollama, vLLM) get no Authorization header at all.
        this.authorization = config.apiKey() == null || config.apiKey().isEmpty() ? null : "Bearer " + config.apiKey();
    }

    @Override
    public OpenAiProvider withApiKey(String apiKey) {
        return new OpenAiProvider(config.withApiKey(apiKey), transport());
    }

    @Override
    protected String url(String operation, String upstreamModel) {
        return baseUrl + "/" + operation;
    }

    /** {@code GET …/models}: OpenAI and the compatible servers (vLLM, Ollama, Groq, ...) list their models there. */
    @Override
    public UpstreamRequest probe() {
        return new UpstreamRequest(baseUrl + "/models", headers(false), Buffer.buffer(), false);
    }

    @Override
    protected void authenticate(MultiMap headers) {
        if (authorization != null) {
            headers.set(HttpHeaders.AUTHORIZATION, authorization);
        }
    }
}
