package dev.gatehouse.api.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.vectorstores.VectorStoreCreateParams;
import com.openai.models.vectorstores.VectorStoreSearchPage;
import com.openai.models.vectorstores.VectorStoreSearchParams;
import com.openai.models.vectorstores.VectorStoreSearchResponse;
import com.openai.models.vectorstores.files.FileCreateParams;
import dev.gatehouse.call.QueryRewriting;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.RecordedRequest;
import dev.gatehouse.usage.RequestRecord;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code rewrite_query: true} on {@code POST /v1/vector_stores/{id}/search}: the configured rewrite
 * model turns the question into a keyword query, asked through the gateway as the caller (logged
 * and charged to its team), and the rewritten query is searched and returned in
 * {@code search_query}. Without a rewrite model it is a 400 naming the field; a rewrite that fails
 * or takes too long is a clear error naming it; another team's store is a 404 before any model is
 * asked; under zero data retention nothing of the query is kept.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RagRewriteQueryTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TEXT = "The greenhouse is opened at dawn by the keeper. The secret lantern code is SILVER-MOTH-5150.";

    record Setup(String keyA, String keyB, String teamA, String store, String file) {}

    /** Two teams; alpha owns a store with one file, indexed. */
    static Setup setup(GatewayHarness gateway) throws Exception {
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        String teamA = master.ok("POST", "/teams", "{\"name\":\"alpha\"}").text("id");
        String keyA = RagSdkTest.key(master, teamA, "alpha-bot");
        String keyB = RagSdkTest.key(master, master.ok("POST", "/teams", "{\"name\":\"beta\"}").text("id"), "beta-bot");
        String file = JSON.readTree(RagSdkTest.send(gateway, keyA, "handbook.txt", TEXT.getBytes(StandardCharsets.UTF_8), "assistants")
                .body()).path("id").asText();
        OpenAIClient alpha = client(gateway, keyA);
        String store = alpha.vectorStores().create(VectorStoreCreateParams.builder().name("handbook").build()).id();
        alpha.vectorStores().files().create(FileCreateParams.builder().vectorStoreId(store).fileId(file).build());
        assertThat(RagSdkTest.settled(alpha, store, file).status().asString()).isEqualTo("completed");
        return new Setup(keyA, keyB, teamA, store, file);
    }

    static OpenAIClient client(GatewayHarness gateway, String key) {
        return OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(key).timeout(Duration.ofSeconds(20)).maxRetries(0).build();
    }

    static VectorStoreSearchPage search(OpenAIClient client, String store, String query, boolean rewrite) {
        return client.vectorStores().search(VectorStoreSearchParams.builder().vectorStoreId(store).query(query).rewriteQuery(rewrite)
                .build());
    }

    static HttpResponse<String> post(GatewayHarness gateway, String key, String path, String body) {
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + path)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    static JsonNode error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).path("error");
    }

    @Test
    void theMockRewriteModelRewritesOfflineAndTheRewrittenQueryIsSearched() throws Exception {
        try (GatewayHarness gateway = GatewayHarness.start("""
                providers:
                  mock: {kind: mock, mock: {chunk-delay: 1ms, output-tokens: 12}}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  text-embedding-3-small:
                    type: embedding
                    targets: [{provider: mock}]
                rag:
                  rewrite-model: gpt-4o-mini
                request-log:
                  flush-interval: 50ms
                """)) {
            Setup s = setup(gateway);
            OpenAIClient alpha = client(gateway, s.keyA());

            VectorStoreSearchPage rewritten = search(alpha, s.store(), "Could you please tell me what the secret lantern code is?", true);
            assertThat(rewritten.response().searchQuery()).containsExactly("secret lantern code");
            assertThat(rewritten.data()).extracting(VectorStoreSearchResponse::fileId).containsExactly(s.file());
            assertThat(rewritten.data().getFirst().content().getFirst().text()).contains("SILVER-MOTH-5150");

            // Not asked: searched as sent, echoed as sent.
            VectorStoreSearchPage asSent = search(alpha, s.store(), "What is the lantern code?", false);
            assertThat(asSent.response().searchQuery()).containsExactly("What is the lantern code?");

            // The query's strings are joined, then rewritten.
            HttpResponse<String> many = post(gateway, s.keyA(), "/v1/vector_stores/" + s.store() + "/search",
                    "{\"query\":[\"Where is the greenhouse?\",\"Who opens it?\"],\"rewrite_query\":true}");
            assertThat(many.statusCode()).as(many.body()).isEqualTo(200);
            assertThat(JSON.readTree(many.body()).path("search_query").toString()).isEqualTo("[\"greenhouse opens\"]");

            // The rewrite went through the gateway as alpha: a chat call of the rewrite model on alpha's team.
            var log = gateway.gatehouse().requestLogging().store();
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            List<RequestRecord> rewrites;
            do {
                Thread.sleep(100);
                rewrites = log.list(Map.of(), 0, Long.MAX_VALUE, null, 1000).stream()
                        .filter(r -> "gpt-4o-mini".equals(r.requestedModel()) && s.teamA().equals(r.teamId())).toList();
            } while (rewrites.size() < 2 && System.nanoTime() < deadline);
            assertThat(rewrites).hasSize(2).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));

            // Bad input: a 400 naming the field, before any work.
            HttpResponse<String> bad = post(gateway, s.keyA(), "/v1/vector_stores/" + s.store() + "/search",
                    "{\"query\":\"lantern\",\"rewrite_query\":\"yes\"}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(error(bad).path("param").asText()).isEqualTo("rewrite_query");

            // Another team: 404, and no model is asked to rewrite for it.
            int before = log.list(Map.of(), 0, Long.MAX_VALUE, null, 1000).size();
            assertThatThrownBy(() -> search(client(gateway, s.keyB()), s.store(), "What is the lantern code?", true))
                    .isInstanceOf(NotFoundException.class);
            Thread.sleep(300);
            assertThat(log.list(Map.of(), 0, Long.MAX_VALUE, null, 1000).stream()
                    .filter(r -> "gpt-4o-mini".equals(r.requestedModel())).count()).isEqualTo(2);
            assertThat(log.list(Map.of(), 0, Long.MAX_VALUE, null, 1000).size()).isGreaterThanOrEqualTo(before);
        }
    }

    @Test
    void withoutARewriteModelRewriteQueryIsA400NamingTheField() throws Exception {
        try (GatewayHarness gateway = GatewayHarness.start("""
                providers:
                  mock: {kind: mock, mock: {chunk-delay: 1ms}}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  text-embedding-3-small:
                    type: embedding
                    targets: [{provider: mock}]
                """)) {
            Setup s = setup(gateway);
            OpenAIClient alpha = client(gateway, s.keyA());
            assertThatThrownBy(() -> search(alpha, s.store(), "What is the lantern code?", true))
                    .isInstanceOf(BadRequestException.class).hasMessageContaining("rag.rewrite-model");
            HttpResponse<String> raw = post(gateway, s.keyA(), "/v1/vector_stores/" + s.store() + "/search",
                    "{\"query\":\"lantern\",\"rewrite_query\":true}");
            assertThat(raw.statusCode()).isEqualTo(400);
            assertThat(error(raw).path("param").asText()).isEqualTo("rewrite_query");
            assertThat(error(raw).path("type").asText()).isEqualTo("invalid_request_error");
            // rewrite_query false (or absent) searches as sent.
            assertThat(search(alpha, s.store(), "lantern code", false).response().searchQuery()).containsExactly("lantern code");
            // Another team still gets the 404 first: its request says nothing about this store.
            HttpResponse<String> other = post(gateway, s.keyB(), "/v1/vector_stores/" + s.store() + "/search",
                    "{\"query\":\"lantern\"}");
            assertThat(other.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aRealProvidersRewriteIsReadAndItsFailuresAndStallsAreClearErrors() throws Exception {
        try (FakeOpenAi fake = FakeOpenAi.start();
                GatewayHarness gateway = GatewayHarness.start("""
                        providers:
                          mock: {kind: mock, mock: {chunk-delay: 1ms}}
                          openai: {kind: openai, base-url: "%s", api-key: %s}
                        routing:
                          retries: {same-target: 0}
                        models:
                          gpt-4o-mini:
                            targets: [{provider: openai}]
                          text-embedding-3-small:
                            type: embedding
                            targets: [{provider: mock}]
                        rag:
                          rewrite-model: gpt-4o-mini
                          rewrite-timeout: 1s
                        """.formatted(fake.baseUrl(), FakeOpenAi.DEFAULT_KEY))) {
            Setup s = setup(gateway);
            OpenAIClient alpha = client(gateway, s.keyA());
            String question = "Hi! Which code opens the lantern, do you know?";

            fake.answer("Query: \"lantern code\"\n\nThis query keeps the content words.");
            VectorStoreSearchPage page = search(alpha, s.store(), question, true);
            assertThat(page.response().searchQuery()).containsExactly("lantern code");
            assertThat(page.data()).extracting(VectorStoreSearchResponse::fileId).containsExactly(s.file());
            RecordedRequest asked = fake.lastRequest();
            assertThat(asked.path()).endsWith("/chat/completions");
            JsonNode messages = asked.json().path("messages");
            assertThat(messages.path(0).path("role").asText()).isEqualTo("system");
            assertThat(messages.path(0).path("content").asText()).isEqualTo(QueryRewriting.SYSTEM_PROMPT);
            assertThat(messages.path(1).path("content").asText()).isEqualTo(question);
            assertThat(asked.header("authorization")).isEqualTo("Bearer " + FakeOpenAi.DEFAULT_KEY);

            // The provider fails: a clear error naming rewrite_query, not a 500.
            fake.failNext(1, Fault.serverError());
            HttpResponse<String> failed = post(gateway, s.keyA(), "/v1/vector_stores/" + s.store() + "/search",
                    "{\"query\":\"" + question + "\",\"rewrite_query\":true}");
            assertThat(failed.statusCode()).as(failed.body()).isBetween(500, 504).isNotEqualTo(500);
            assertThat(error(failed).path("param").asText()).isEqualTo("rewrite_query");
            assertThat(error(failed).path("message").asText()).contains("Rewriting the query").doesNotContain("lantern");

            // An empty answer is no query.
            fake.answer("   ");
            HttpResponse<String> empty = post(gateway, s.keyA(), "/v1/vector_stores/" + s.store() + "/search",
                    "{\"query\":\"lantern\",\"rewrite_query\":true}");
            assertThat(empty.statusCode()).as(empty.body()).isEqualTo(502);
            assertThat(error(empty).path("code").asText()).isEqualTo("rewrite_failed");

            // The provider stalls: the search answers within the deadline, a 504 naming the setting.
            fake.answer("lantern code").headDelay(Duration.ofSeconds(10));
            long started = System.nanoTime();
            HttpResponse<String> slow = post(gateway, s.keyA(), "/v1/vector_stores/" + s.store() + "/search",
                    "{\"query\":\"lantern\",\"rewrite_query\":true}");
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(slow.statusCode()).as(slow.body()).isEqualTo(504);
            assertThat(error(slow).path("param").asText()).isEqualTo("rewrite_query");
            assertThat(error(slow).path("message").asText()).contains("rag.rewrite-timeout");
            assertThat(tookMillis).isLessThan(8_000);
        }
    }

    @Test
    void underZeroDataRetentionNothingOfTheQueryIsKept() throws Exception {
        String canary = "CANARY" + Long.toHexString(System.nanoTime()) + "REWRITE";
        try (GatewayHarness gateway = GatewayHarness.start("""
                providers:
                  mock: {kind: mock, zdr: true, mock: {chunk-delay: 1ms}}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  text-embedding-3-small:
                    type: embedding
                    targets: [{provider: mock}]
                zdr:
                  enabled: true
                rag:
                  rewrite-model: gpt-4o-mini
                  ephemeral: {enabled: true}
                request-log:
                  flush-interval: 50ms
                """)) {
            Setup s = setup(gateway);
            HttpResponse<String> r = post(gateway, s.keyA(), "/v1/vector_stores/" + s.store() + "/search",
                    "{\"query\":\"What is the lantern code for " + canary + "?\",\"rewrite_query\":true}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).path("search_query").path(0).asText())
                    .isEqualTo("lantern code " + canary.toLowerCase(java.util.Locale.ROOT));
            var log = gateway.gatehouse().requestLogging().store();
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (log.list(Map.of(), 0, Long.MAX_VALUE, null, 1000).stream().noneMatch(x -> "gpt-4o-mini".equals(x.requestedModel()))
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(log.list(Map.of(), 0, Long.MAX_VALUE, null, 1000)).as("the rewrite is logged, without content")
                    .anySatisfy(x -> assertThat(x.requestedModel()).isEqualTo("gpt-4o-mini"));
            Thread.sleep(300); // the log's last flush
            assertThat(RagClusterTest.contains(gateway.dir(), canary)).as("the query in the data folder").isFalse();
            assertThat(RagClusterTest.contains(gateway.dir(), canary.toLowerCase(java.util.Locale.ROOT)))
                    .as("the rewritten query in the data folder").isFalse();
        }
    }
}
