package dev.gatehouse.dialect.gemini;

import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.dialect.InlineImages;
import dev.gatehouse.provider.BaseUrls;
import dev.gatehouse.provider.ConfiguredProvider;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.WireCodec;
import dev.gatehouse.provider.http.ImageFetcher;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Google's Gemini API (Google AI Studio keys). Chat goes to
 * {@code {base}/models/{model}:generateContent} or {@code :streamGenerateContent?alt=sse},
 * embeddings to {@code :batchEmbedContents}; the key travels in {@code x-goog-api-key}.
 * Gemini only accepts image bytes, so {@link #prepare} fetches http(s) image URLs first.
 */
public final class GeminiProvider extends ConfiguredProvider {
    public static final String DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta";
    private static final WireCodec CODEC = new GeminiWireCodec();

    private final ImageFetcher images;
    private final String baseUrl;

    public GeminiProvider(ProviderConfig config, Transport transport, ImageFetcher images) {
        super(config, transport, CODEC);
        this.images = images;
        // With or without /v1beta: the SDKs take the host alone, the REST reference shows the version.
        this.baseUrl = BaseUrls.withVersion(config.baseUrl() == null ? DEFAULT_BASE_URL : config.baseUrl(), "v1beta");
    }

    /** Replaces every http(s) image URL with the fetched bytes as a data URL; all fetches run at once. */
    @Override
    public Future<ChatRequest> prepare(ChatRequest request) {
        return InlineImages.inline(images, request);
    }


    @Override
    public UpstreamRequest chat(Buffer body, String upstreamModel, boolean stream) {
        String url = modelUrl(upstreamModel) + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
        return new UpstreamRequest(url, headers(stream), body, stream);
    }

    @Override
    public GeminiProvider withApiKey(String apiKey) {
        return new GeminiProvider(config.withApiKey(apiKey), transport(), images);
    }

    @Override
    public UpstreamRequest embeddings(Buffer body, String upstreamModel) {
        return new UpstreamRequest(modelUrl(upstreamModel) + ":batchEmbedContents", headers(false), body, false);
    }

    @Override
    public boolean servesImagen() {
        return true;
    }

    @Override
    public UpstreamRequest imagen(Buffer body, String upstreamModel) {
        return new UpstreamRequest(modelUrl(upstreamModel) + ":predict", headers(false), body, false);
    }

    /** A model may be configured as "gemini-2.5-flash" or "models/gemini-2.5-flash". */
    /** {@code GET …/models}: the model list, with the key. */
    @Override
    public UpstreamRequest probe() {
        return new UpstreamRequest(baseUrl + "/models", headers(false), Buffer.buffer(), false);
    }

    private String modelUrl(String model) {
        String id = model.startsWith("models/") ? model.substring("models/".length()) : model;
        return baseUrl + "/models/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    private MultiMap headers(boolean stream) {
        MultiMap headers = baseHeaders(stream);
        if (config.apiKey() != null && !config.apiKey().isEmpty()) {
            headers.set("x-goog-api-key", config.apiKey());
        }
        return headers;
    }
}
