package dev.gatehouse.api.rag;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.GatewayHarness;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ephemeral knowledge bases: with {@code rag.ephemeral} enabled, zero-data-retention callers upload,
 * attach, search and get cited answers as usual, but nothing of their files reaches the disk or the
 * database (a canary is found by search and nowhere in the data folder, which holds the SQLite
 * database and its journal), another team gets 404, the memory is bounded, a deletion is immediate,
 * and a restart leaves nothing.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RagEphemeralTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void zeroDataRetentionCallersGetMemoryOnlyStoresThatLeaveNoTrace() throws Exception {
        String canary = "CANARY-" + Long.toHexString(System.nanoTime()) + "-EPHEMERAL";
        GatewayHarness gateway = GatewayHarness.start("""
                providers:
                  mock: {kind: mock, zdr: true, mock: {chunk-delay: 1ms, output-tokens: 12}}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  text-embedding-3-small:
                    type: embedding
                    targets: [{provider: mock}]
                zdr:
                  enabled: true
                rag:
                  ephemeral:
                    enabled: true
                    max-size: 1MB
                request-log:
                  flush-interval: 50ms
                """);
        Path data = gateway.dir().resolve("data");
        Gatehouse restarted = null;
        try {
            AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
            String alpha = RagSdkTest.key(master, master.ok("POST", "/teams", "{\"name\":\"alpha\"}").text("id"), "alpha-bot");
            String beta = RagSdkTest.key(master, master.ok("POST", "/teams", "{\"name\":\"beta\"}").text("id"), "beta-bot");
            String o = gateway.origin();

            HttpResponse<String> up = RagSdkTest.send(gateway, alpha, "secret-notes.md",
                    ("# Notes\n\nThe vault combination is " + canary + ".\n\nNothing else here.\n").getBytes(StandardCharsets.UTF_8),
                    "assistants");
            assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
            String file = JSON.readTree(up.body()).path("id").asText();
            String store = JSON.readTree(send(o, alpha, "POST", "/v1/vector_stores", "{\"name\":\"private\"}").body()).path("id").asText();
            assertThat(send(o, alpha, "POST", "/v1/vector_stores/" + store + "/files", "{\"file_id\":\"" + file + "\"}").statusCode())
                    .isEqualTo(200);
            assertThat(settled(o, alpha, store, file)).isEqualTo("completed");

            // Served as usual: search, file_search with citations, the content.
            JsonNode hits = JSON.readTree(send(o, alpha, "POST", "/v1/vector_stores/" + store + "/search",
                    "{\"query\":\"vault combination\"}").body()).path("data");
            assertThat(hits.path(0).path("file_id").asText()).isEqualTo(file);
            assertThat(hits.path(0).path("content").toString()).contains(canary);
            HttpResponse<String> chat = send(o, alpha, "POST", "/v1/chat/completions", """
                    {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is the vault combination?"}],
                     "tools": [{"type": "file_search", "vector_store_ids": ["%s"]}]}""".formatted(store));
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            assertThat(JSON.readTree(chat.body()).path("gatehouse_file_search").path("results").path(0).path("file_id").asText())
                    .isEqualTo(file);
            assertThat(send(o, alpha, "GET", "/v1/files/" + file + "/content", null).body()).contains(canary);
            assertThat(JSON.readTree(send(o, alpha, "GET", "/v1/files", null).body()).path("data").size()).isEqualTo(1);

            // Another team: 404 everywhere.
            assertThat(send(o, beta, "GET", "/v1/vector_stores/" + store, null).statusCode()).isEqualTo(404);
            assertThat(send(o, beta, "POST", "/v1/vector_stores/" + store + "/search", "{\"query\":\"vault\"}").statusCode())
                    .isEqualTo(404);
            assertThat(send(o, beta, "GET", "/v1/files/" + file + "/content", null).statusCode()).isEqualTo(404);
            assertThat(send(o, beta, "DELETE", "/v1/files/" + file, null).statusCode()).isEqualTo(404);

            // Nothing of the content on disk: not the file, not the chunks, not the index, not the database or its journal.
            assertThat(RagClusterTest.contains(gateway.dir(), canary)).as("the canary on disk").isFalse();

            // The memory is bounded.
            HttpResponse<String> big = RagSdkTest.send(gateway, alpha, "big.txt", "x ".repeat(600_000).getBytes(StandardCharsets.UTF_8),
                    "assistants");
            assertThat(big.statusCode()).as(big.body()).isEqualTo(413);

            // Deleting is immediate.
            assertThat(send(o, alpha, "DELETE", "/v1/files/" + file, null).statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(send(o, alpha, "POST", "/v1/vector_stores/" + store + "/search",
                    "{\"query\":\"vault combination\"}").body()).path("data")).isEmpty();
            assertThat(send(o, alpha, "GET", "/v1/files/" + file + "/content", null).statusCode()).isEqualTo(404);

            // A second file, kept until the restart: gone after it.
            HttpResponse<String> kept = RagSdkTest.send(gateway, alpha, "kept.txt", ("Kept " + canary).getBytes(StandardCharsets.UTF_8),
                    "assistants");
            String keptId = JSON.readTree(kept.body()).path("id").asText();
            gateway.close();
            restarted = Gatehouse.start(new Gatehouse.Options(gateway.configFile(), "127.0.0.1", 0, data, false));
            String o2 = "http://127.0.0.1:" + restarted.port();
            assertThat(send(o2, alpha, "GET", "/v1/files/" + keptId, null).statusCode()).isEqualTo(404);
            assertThat(send(o2, alpha, "GET", "/v1/vector_stores/" + store, null).statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(send(o2, alpha, "GET", "/v1/files", null).body()).path("data")).isEmpty();
            assertThat(RagClusterTest.contains(gateway.dir(), canary)).as("the canary on disk after the restart").isFalse();
        } finally {
            if (restarted != null) {
                restarted.close();
            } else {
                gateway.close();
            }
        }
    }

    private String settled(String origin, String key, String store, String file) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            JsonNode f = JSON.readTree(send(origin, key, "GET", "/v1/vector_stores/" + store + "/files/" + file, null).body());
            if (!f.path("status").asText().equals("in_progress") || System.nanoTime() > deadline) {
                return f.path("status").asText() + (f.path("last_error").isObject() ? " " + f.path("last_error") : "");
            }
            Thread.sleep(50);
        }
    }

    private HttpResponse<String> send(String origin, String key, String method, String path, String body) throws IOException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(origin + path)).header("Authorization", "Bearer " + key)
                .timeout(Duration.ofSeconds(30));
        if (body != null) {
            r.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            r.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
