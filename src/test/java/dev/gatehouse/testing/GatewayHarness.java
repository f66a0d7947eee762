package dev.gatehouse.testing;

import dev.gatehouse.Gatehouse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Starts a real gateway on an ephemeral port with the given YAML config and a temporary data
 * folder (SQLite unless the config says otherwise). The master key is {@link #MASTER_KEY}.
 */
public final class GatewayHarness implements AutoCloseable {
    public static final String MASTER_KEY = "gh-test-master-key-0123456789";

    private final Path dir;
    private final Path configFile;
    private final Gatehouse gatehouse;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private GatewayHarness(Path dir, Path configFile, Gatehouse gatehouse) {
        this.dir = dir;
        this.configFile = configFile;
        this.gatehouse = gatehouse;
    }

    /**
     * @param yaml the config, without the {@code auth} section (the harness adds the master key)
     */
    public static GatewayHarness start(String yaml) {
        return start(yaml, true);
    }

    /**
     * Starts without adding a master key when {@code addMasterKey} is false: the gateway then
     * generates one (first start) or uses the hash stored by an earlier start.
     */
    public static GatewayHarness start(String yaml, boolean addMasterKey) {
        try {
            Path dir = Files.createTempDirectory("gatehouse-it");
            Path config = dir.resolve("gatehouse.yaml");
            String withAuth = !addMasterKey || yaml.contains("\nauth:") || yaml.startsWith("auth:")
                    ? yaml : yaml + "\nauth:\n  master-key: " + MASTER_KEY + "\n";
            Files.writeString(config, withAuth);
            Gatehouse gatehouse = Gatehouse.start(new Gatehouse.Options(config, "127.0.0.1", 0, dir.resolve("data"), false));
            return new GatewayHarness(dir, config, gatehouse);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A config with one mock provider and the demo's models. */
    public static String mockConfig() {
        return """
                providers:
                  mock: {kind: mock, mock: {chunk-delay: 1ms, output-tokens: 12}}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  text-embedding-3-small:
                    type: embedding
                    targets: [{provider: mock}]
                """;
    }

    public int port() {
        return gatehouse.port();
    }

    /** {@code http://127.0.0.1:PORT} */
    public String origin() {
        return "http://127.0.0.1:" + gatehouse.port();
    }

    /** {@code http://127.0.0.1:PORT/v1}, the base URL for SDKs. */
    public String baseUrl() {
        return origin() + "/v1";
    }

    public Path configFile() {
        return configFile;
    }

    public Path dir() {
        return dir;
    }

    public Gatehouse gatehouse() {
        return gatehouse;
    }

    /** POSTs JSON with the master key; returns status, headers and body. */
    public HttpResponse<String> post(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(origin() + path))
                .header("Authorization", "Bearer " + MASTER_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(origin() + path)).header("Authorization", "Bearer " + MASTER_KEY).GET());
    }

    public HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        gatehouse.close();
    }
}
