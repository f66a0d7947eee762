package dev.gatehouse.dialect.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auth.oauth2.GoogleCredentials;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.dialect.InlineImages;
import dev.gatehouse.dialect.anthropic.AnthropicWireCodec;
import dev.gatehouse.dialect.gemini.GeminiWireCodec;
import dev.gatehouse.provider.ConfiguredProvider;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.http.ImageFetcher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * Google Cloud Vertex AI. Kind {@code vertex} serves Google's Gemini models
 * ({@code :generateContent}, {@code :streamGenerateContent?alt=sse}: the AI Studio wire format);
 * kind {@code vertex-anthropic} serves Claude ({@code :rawPredict}, {@code :streamRawPredict}: the
 * Messages API with {@code anthropic_version: vertex-2023-10-16} in the body and the model in the
 * URL). Both at
 * {@code https://{region}-aiplatform.googleapis.com/v1/projects/{project}/locations/{region}/publishers/{google|anthropic}/models/{model}},
 * or {@code https://aiplatform.googleapis.com/...} for the {@code global} region.
 *
 * <p>Authentication: OAuth access tokens from google-auth-library: the service-account key in
 * {@code credentials-file}, else application default credentials (GOOGLE_APPLICATION_CREDENTIALS,
 * gcloud's user credentials, workload identity, the metadata server). A team's own key (BYOK) is
 * the text of a service-account JSON key.
 */
public final class VertexProvider extends ConfiguredProvider {
    public static final String ANTHROPIC_VERSION = "vertex-2023-10-16";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Whose models this provider serves: the URL's publisher and the wire format. */
    public enum Publisher { GOOGLE, ANTHROPIC }

    private final Publisher publisher;
    private final Transport http;
    private final Vertx vertx;
    private final ImageFetcher images;
    private final String modelsUrl;

    public VertexProvider(ProviderConfig config, Publisher publisher, Transport http, Vertx vertx, ImageFetcher images) {
        super(config, new VertexTransport(http, new VertexTokens(vertx, credentials(config), Clock.systemUTC())),
                new VertexWireCodec(publisher == Publisher.GOOGLE ? new GeminiWireCodec() : new AnthropicWireCodec(),
                        config.cloud().project(), config.cloud().region()));
        this.publisher = publisher;
        this.http = http;
        this.vertx = vertx;
        this.images = images;
        String region = config.cloud().region();
        String host = config.baseUrl() != null ? trimSlash(config.baseUrl())
                : "global".equals(region) ? "https://aiplatform.googleapis.com" : "https://" + region + "-aiplatform.googleapis.com";
        this.modelsUrl = host + "/v1/projects/" + config.cloud().project() + "/locations/" + region + "/publishers/"
                + (publisher == Publisher.GOOGLE ? "google" : "anthropic") + "/models/";
    }

    /** Resolved lazily, off the event loop, on the first call (reading files, asking the metadata server). */
    private static Supplier<GoogleCredentials> credentials(ProviderConfig config) {
        String key = config.apiKey() == null ? "" : config.apiKey().strip();
        String file = config.cloud().credentialsFile();
        return () -> {
            try {
                GoogleCredentials c;
                if (!key.isEmpty()) { // a team's own service-account key (BYOK), or one given as api-key
                    if (!key.startsWith("{")) {
                        throw new IOException("a Vertex AI key must be the text of a service-account JSON key");
                    }
                    c = GoogleCredentials.fromStream(new ByteArrayInputStream(key.getBytes(StandardCharsets.UTF_8)));
                } else if (file != null) {
                    try (InputStream in = Files.newInputStream(Path.of(file))) {
                        c = GoogleCredentials.fromStream(in);
                    }
                } else {
                    c = GoogleCredentials.getApplicationDefault();
                }
                return c.createScoped(VertexTokens.SCOPE);
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        };
    }

    /** Vertex, like Gemini, takes image bytes only: http(s) image URLs are fetched first. */
    @Override
    public Future<ChatRequest> prepare(ChatRequest request) {
        return publisher == Publisher.GOOGLE ? InlineImages.inline(images, request) : Future.succeededFuture(request);
    }

    @Override
    public UpstreamRequest chat(Buffer body, String upstreamModel, boolean stream) {
        String model = upstreamModel.startsWith("models/") ? upstreamModel.substring("models/".length()) : upstreamModel;
        // '@' (claude-sonnet-4@20250514) is legal in a path and written as is, as Google's own clients do.
        String url = modelsUrl + URLEncoder.encode(model, StandardCharsets.UTF_8).replace("%40", "@");
        if (publisher == Publisher.GOOGLE) {
            return new UpstreamRequest(url + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent"),
                    baseHeaders(stream), body, stream);
        }
        return new UpstreamRequest(url + (stream ? ":streamRawPredict" : ":rawPredict"), baseHeaders(stream),
                forVertex(body), stream);
    }

    /** A Messages API body as Vertex takes it: the model named by the URL, not the body, and Vertex's API version. */
    static Buffer forVertex(Buffer body) {
        try {
            JsonNode root = MAPPER.readTree(body.getBytes());
            if (!(root instanceof ObjectNode object)) {
                throw GatewayException.invalid("the request body must be a JSON object", null);
            }
            object.remove("model");
            if (!object.has("anthropic_version")) {
                object.put("anthropic_version", ANTHROPIC_VERSION);
            }
            return Buffer.buffer(MAPPER.writeValueAsBytes(object));
        } catch (IOException e) {
            throw GatewayException.invalid("the request body is not valid JSON", null);
        }
    }

    @Override
    public UpstreamRequest embeddings(Buffer body, String upstreamModel) {
        throw GatewayException.invalid("Vertex AI provider '" + config.name() + "' serves chat only in this version; model '"
                + upstreamModel + "' cannot be used for embeddings.", "model");
    }

    /** A team's own service-account JSON key. */
    @Override
    public VertexProvider withApiKey(String apiKey) {
        return new VertexProvider(config.withApiKey(apiKey), publisher, http, vertx, images);
    }
}
