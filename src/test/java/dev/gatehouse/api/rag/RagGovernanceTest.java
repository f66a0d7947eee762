package dev.gatehouse.api.rag;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Knowledge bases under governance: refused under zero data retention, an embedding the gateway
 * cannot make fails the ingestion with the reason, a stop during ingestion never leaves a file in
 * progress, and a store's {@code expires_after} shows as OpenAI shows it.
 */
class RagGovernanceTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void zeroDataRetentionRefusesFilesAndStores() throws Exception {
        try (GatewayHarness gateway = GatewayHarness.start(GatewayHarness.mockConfig() + "zdr:\n  enabled: true\n")) {
            HttpResponse<String> store = gateway.post("/v1/vector_stores", "{\"name\":\"x\"}");
            assertThat(store.statusCode()).isEqualTo(403);
            JsonNode error = JSON.readTree(store.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("zdr_no_store");
            assertThat(error.path("message").asText()).contains("Zero data retention");
            HttpResponse<String> upload = RagSdkTest.send(gateway, GatewayHarness.MASTER_KEY, "notes.txt",
                    "private words".getBytes(StandardCharsets.UTF_8), "assistants");
            assertThat(upload.statusCode()).isEqualTo(403);
            assertThat(gateway.get("/v1/files").statusCode()).isEqualTo(403);
            try (Stream<Path> files = Files.list(gateway.dir().resolve("data/rag/files"))) {
                assertThat(files).isEmpty();
            }
        }
    }

    @Test
    void anEmbeddingThatFailsFailsTheIngestionWithItsReason() throws Exception {
        try (GatewayHarness gateway = GatewayHarness.start("""
                providers:
                  mock: {kind: mock}
                  gone: {kind: openai, base-url: "http://127.0.0.1:1/v1", api-key: k, timeouts: {connect: 1s}}
                routing:
                  retries: {same-target: 0}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  unreachable-embedder:
                    type: embedding
                    targets: [{provider: gone}]
                """)) {
            String store = JSON.readTree(gateway.post("/v1/vector_stores", "{\"name\":\"x\"}").body()).path("id").asText();
            String file = JSON.readTree(RagSdkTest.send(gateway, GatewayHarness.MASTER_KEY, "notes.txt",
                    "The lighthouse keeper logs every ship.".getBytes(StandardCharsets.UTF_8), "assistants").body()).path("id").asText();
            gateway.post("/v1/vector_stores/" + store + "/files", "{\"file_id\":\"" + file + "\"}");
            JsonNode settled = settle(gateway.origin(), GatewayHarness.MASTER_KEY, store, file);
            assertThat(settled.path("status").asText()).isEqualTo("failed");
            assertThat(settled.path("last_error").path("code").asText()).isEqualTo("server_error");
            assertThat(settled.path("last_error").path("message").asText()).contains("unreachable-embedder");
            // Searching needs the query's embedding too: the caller gets the gateway's error, not a 500.
            HttpResponse<String> search = gateway.post("/v1/vector_stores/" + store + "/search", "{\"query\":\"ship\"}");
            assertThat(search.statusCode()).as(search.body()).isBetween(500, 504).isNotEqualTo(500);
        }
    }

    @Test
    void aStopDuringIngestionLeavesTheFileFailedNotInProgress(@TempDir Path dir) throws Exception {
        try (FakeOpenAi slow = FakeOpenAi.start()) {
            slow.headDelay(Duration.ofSeconds(30));
            Path config = dir.resolve("gatehouse.yaml");
            Files.writeString(config, """
                    providers:
                      mock: {kind: mock}
                      slow: {kind: openai, base-url: "%s", api-key: %s}
                    models:
                      gpt-4o-mini:
                        targets: [{provider: mock}]
                      slow-embedder:
                        type: embedding
                        targets: [{provider: slow}]
                    auth:
                      master-key: %s
                    """.formatted(slow.baseUrl(), FakeOpenAi.DEFAULT_KEY, GatewayHarness.MASTER_KEY));
            Gatehouse.Options options = new Gatehouse.Options(config, "127.0.0.1", 0, dir.resolve("data"), false);
            String store;
            String file;
            Gatehouse first = Gatehouse.start(options);
            try {
                String origin = "http://127.0.0.1:" + first.port();
                store = JSON.readTree(post(origin, "/v1/vector_stores", "{\"name\":\"x\"}").body()).path("id").asText();
                file = JSON.readTree(RagSdkTest.send(origin, GatewayHarness.MASTER_KEY, "notes.txt",
                        "The lighthouse keeper logs every ship.".getBytes(StandardCharsets.UTF_8), "assistants").body())
                        .path("id").asText();
                post(origin, "/v1/vector_stores/" + store + "/files", "{\"file_id\":\"" + file + "\"}");
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (slow.requests().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(slow.requests()).as("the embedding request is in flight").isNotEmpty();
                assertThat(JSON.readTree(get(origin, "/v1/vector_stores/" + store + "/files/" + file).body()).path("status").asText())
                        .isEqualTo("in_progress");
            } finally {
                first.close();
            }
            String url = "/v1/vector_stores/" + store + "/files/" + file;
            try (Gatehouse second = Gatehouse.start(options)) {
                JsonNode f = JSON.readTree(get("http://127.0.0.1:" + second.port(), url).body());
                assertThat(f.path("status").asText()).isEqualTo("failed");
                assertThat(f.path("last_error").path("message").asText()).contains("stopped");
            }
            // A crash leaves no chance to record it: the next start marks what was in progress failed.
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/gatehouse.db"));
                    Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE rag_vector_store_files SET status = 'in_progress', last_error = NULL");
            }
            try (Gatehouse third = Gatehouse.start(options)) {
                JsonNode f = JSON.readTree(get("http://127.0.0.1:" + third.port(), url).body());
                assertThat(f.path("status").asText()).isEqualTo("failed");
                assertThat(f.path("last_error").path("message").asText()).contains("stopped");
            }
        }
    }

    @Test
    void expiresAfterIsKeptAndShown() throws Exception {
        try (GatewayHarness gateway = GatewayHarness.start(GatewayHarness.mockConfig())) {
            JsonNode store = JSON.readTree(gateway.post("/v1/vector_stores",
                    "{\"name\":\"x\",\"expires_after\":{\"anchor\":\"last_active_at\",\"days\":2},\"metadata\":{\"owner\":\"ops\"}}").body());
            assertThat(store.path("expires_after").path("days").asInt()).isEqualTo(2);
            assertThat(store.path("expires_at").asLong()).isEqualTo(store.path("last_active_at").asLong() + 2 * 86_400);
            assertThat(store.path("metadata").path("owner").asText()).isEqualTo("ops");
            JsonNode modified = JSON.readTree(gateway.post("/v1/vector_stores/" + store.path("id").asText(),
                    "{\"name\":\"renamed\",\"expires_after\":null}").body());
            assertThat(modified.path("name").asText()).isEqualTo("renamed");
            assertThat(modified.path("expires_at").isNull()).isTrue();
            assertThat(modified.path("status").asText()).isEqualTo("completed");
        }
    }

    static JsonNode settle(String origin, String key, String store, String file) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode f;
        do {
            Thread.sleep(50);
            f = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(origin + "/v1/vector_stores/" + store + "/files/" + file))
                    .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString()).body());
        } while ("in_progress".equals(f.path("status").asText()) && System.nanoTime() < deadline);
        return f;
    }

    static HttpResponse<String> post(String origin, String path, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(origin + path)).header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String origin, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(origin + path)).header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
