package dev.gatehouse.dialect.azure;

import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.dialect.openai.OpenAiStyleProvider;
import dev.gatehouse.provider.Transport;
import io.vertx.core.MultiMap;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Azure OpenAI: the deployment name is in the URL
 * ({@code {base}/openai/deployments/{deployment}/chat/completions?api-version=...}) and the key
 * goes in the {@code api-key} header. A target's {@code model} is the deployment name.
 */
public final class AzureOpenAiProvider extends OpenAiStyleProvider {
    private final String baseUrl;
    private final String apiVersion;

    public AzureOpenAiProvider(ProviderConfig config, Transport transport) {
        super(config, transport);
        this.baseUrl = trimSlash(config.baseUrl());
        this.apiVersion = URLEncoder.encode(config.apiVersion(), StandardCharsets.UTF_8);
    }

    @Override
    public AzureOpenAiProvider withApiKey(String apiKey) {
        return new AzureOpenAiProvider(config.withApiKey(apiKey), transport());
    }

    /** Azure OpenAI has no rerank endpoint. */
    @Override
    public dev.gatehouse.provider.RerankWire rerank() {
        return null;
    }

    @Override
    protected String url(String operation, String deployment) {
        return baseUrl + "/openai/deployments/" + URLEncoder.encode(deployment, StandardCharsets.UTF_8)
                + "/" + operation + "?api-version=" + apiVersion;
    }

    @Override
    protected void authenticate(MultiMap headers) {
        if (config.apiKey() != null && !config.apiKey().isEmpty()) {
            headers.set("api-key", config.apiKey());
        }
    }
}
