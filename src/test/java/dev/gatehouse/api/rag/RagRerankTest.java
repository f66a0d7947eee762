package dev.gatehouse.api.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.vectorstores.VectorStoreCreateParams;
import com.openai.models.vectorstores.VectorStoreSearchParams;
import com.openai.models.vectorstores.VectorStoreSearchResponse;
import com.openai.models.vectorstores.files.VectorStoreFile;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeCohere;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.usage.RequestRecord;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vector-store search and {@code file_search} reranked by a configured model: the default
 * ({@code rag.rerank-model}, a strict Cohere fake), another named in {@code ranking_options.ranker}
 * (the mock), or none. The fused order puts the garden file first for a garden query; the Cohere fake
 * is told to prefer the zebra file, so a reranked search puts it first, with the reranker's score.
 */
class RagRerankTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String QUERY = "garden tomatoes";
    static FakeCohere cohere;
    /** Accepts connections (the kernel's backlog) and never answers: a reranker that hangs. */
    static java.net.ServerSocket silent;
    static GatewayHarness gateway;
    static String keyA;
    static String keyB;
    static String teamA;
    static OpenAIClient alpha;
    static OpenAIClient beta;
    static String store;
    static String garden;
    static String zebra;
    /** Requests the Cohere fake had before the test. */
    int before;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        cohere = FakeCohere.start();
        silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        gateway = GatewayHarness.start("""
                providers:
                  cohere: {kind: cohere, base-url: "%s", api-key: %s}
                  mock: {kind: mock, mock: {chunk-delay: 1ms, output-tokens: 8}}
                  silent: {kind: openai, base-url: "http://127.0.0.1:%d/v1", api-key: k, timeouts: {first-byte: 1s, total: 2s}}
                routing:
                  retries: {same-target: 0}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  text-embedding-3-small:
                    type: embedding
                    targets: [{provider: mock}]
                  cohere-rerank:
                    type: rerank
                    targets: [{provider: cohere, model: rerank-v3.5}]
                  mock-rerank:
                    type: rerank
                    targets: [{provider: mock}]
                  hanging-rerank:
                    type: rerank
                    targets: [{provider: silent}]
                rag:
                  rerank-model: cohere-rerank
                request-log:
                  flush-interval: 50ms
                """.formatted(cohere.baseUrl(), FakeCohere.KEY, silent.getLocalPort()));
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        teamA = master.ok("POST", "/teams", "{\"name\":\"alpha\"}").text("id");
        keyA = RagSdkTest.key(master, teamA, "alpha-bot");
        keyB = RagSdkTest.key(master, master.ok("POST", "/teams", "{\"name\":\"beta\"}").text("id"), "beta-bot");
        alpha = client(keyA);
        beta = client(keyB);
        store = alpha.vectorStores().create(VectorStoreCreateParams.builder().name("notes").build()).id();
        garden = attach("garden.txt", "The garden report: tomatoes and basil grow well in the garden beds this summer.");
        zebra = attach("zebra.txt", "A field note on zebras: the zebra herd crossed the river at dawn.");
    }

    static OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(key).timeout(Duration.ofSeconds(20)).maxRetries(0).build();
    }

    static String attach(String name, String text) throws Exception {
        return attach(alpha, store, name, text);
    }

    static String attach(OpenAIClient client, String store, String name, String text) throws Exception {
        Path file = Files.writeString(tmp.resolve(name), text);
        String id = client.files().create(FileCreateParams.builder().file(file).purpose(FilePurpose.ASSISTANTS).build()).id();
        client.vectorStores().files().create(com.openai.models.vectorstores.files.FileCreateParams.builder().vectorStoreId(store)
                .fileId(id).build());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        VectorStoreFile f;
        do {
            Thread.sleep(50);
            f = client.vectorStores().files().retrieve(id,
                    com.openai.models.vectorstores.files.FileRetrieveParams.builder().vectorStoreId(store).build());
        } while (f.status().asString().equals("in_progress") && System.nanoTime() < deadline);
        assertThat(f.status().asString()).as("ingestion (last_error: %s)", f.lastError()).isEqualTo("completed");
        return id;
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        cohere.close();
        silent.close();
    }

    @BeforeEach
    void reset() {
        cohere.reset().prefer("zebra");
        before = cohere.requests().size();
    }

    static List<VectorStoreSearchResponse> search(OpenAIClient client, String ranker, Double threshold) {
        VectorStoreSearchParams.Builder b = VectorStoreSearchParams.builder().vectorStoreId(store).query(QUERY);
        if (ranker != null || threshold != null) {
            VectorStoreSearchParams.RankingOptions.Builder o = VectorStoreSearchParams.RankingOptions.builder();
            if (ranker != null) {
                o.ranker(VectorStoreSearchParams.RankingOptions.Ranker.of(ranker));
            }
            if (threshold != null) {
                o.scoreThreshold(threshold);
            }
            b.rankingOptions(o.build());
        }
        return client.vectorStores().search(b.build()).data();
    }

    static HttpResponse<String> send(String key, String path, String body) {
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + path)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void theFusedOrderPutsTheGardenFileFirst() {
        List<VectorStoreSearchResponse> fused = search(alpha, "none", null);
        assertThat(fused).extracting(VectorStoreSearchResponse::fileId).containsExactly(garden, zebra);
        assertThat(cohere.requests()).as("'none' turns the default reranker off").hasSize(before);
    }

    @Test
    void theDefaultRerankerReordersTheResultsAndItsScoresAreTheScores() throws Exception {
        List<VectorStoreSearchResponse> reranked = search(alpha, null, null);
        assertThat(reranked).extracting(VectorStoreSearchResponse::fileId).containsExactly(zebra, garden);
        assertThat(reranked.getFirst().score()).isEqualTo(0.899); // the fake's score of the second candidate it got
        assertThat(reranked.get(1).score()).isEqualTo(0.5);
        // Cohere got the fused candidates in the fused order, as the caller's rerank model.
        JsonNode sent = cohere.lastRequest().json();
        assertThat(sent.path("model").asText()).isEqualTo("rerank-v3.5");
        assertThat(sent.path("query").asText()).isEqualTo(QUERY);
        assertThat(sent.path("documents")).hasSize(2);
        assertThat(sent.path("documents").path(0).asText()).contains("garden report");
        // 'auto' (OpenAI's name) means the configured default too; the threshold applies to the reranker's score.
        assertThat(search(alpha, "auto", 0.8)).extracting(VectorStoreSearchResponse::fileId).containsExactly(zebra);
        // The reranking is a call of alpha's, in the request log.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<RequestRecord> reranks;
        do {
            Thread.sleep(50);
            reranks = gateway.gatehouse().requestLogging().store().list(java.util.Map.of(), 0, Long.MAX_VALUE, null, 1000).stream()
                    .filter(r -> "cohere-rerank".equals(r.requestedModel()) && r.status() == 200).toList();
        } while (reranks.isEmpty() && System.nanoTime() < deadline);
        assertThat(reranks).isNotEmpty().allSatisfy(r -> {
            assertThat(r.teamId()).isEqualTo(teamA);
            assertThat(r.endpoint()).isEqualTo("rerank");
            assertThat(r.inputTokens()).isPositive();
        });
    }

    @Test
    void aRankerNamedInTheRequestIsUsedInstead() {
        List<VectorStoreSearchResponse> mock = search(alpha, "mock-rerank", null);
        // The mock scores the share of the query's words a chunk holds: both in the garden file, none in the other.
        assertThat(mock).extracting(VectorStoreSearchResponse::fileId).containsExactly(garden, zebra);
        assertThat(mock).extracting(VectorStoreSearchResponse::score).containsExactly(1.0, 0.0);
        assertThat(cohere.requests()).hasSize(before);
    }

    @Test
    void aRankerThatIsNoRerankModelIsA400() throws Exception {
        for (String ranker : List.of("gpt-4o-mini", "no-such-model", "text-embedding-3-small")) {
            assertThatThrownBy(() -> search(alpha, ranker, null)).isInstanceOf(BadRequestException.class)
                    .hasMessageContaining("is not a rerank model");
        }
        HttpResponse<String> r = send(keyA, "/v1/vector_stores/" + store + "/search",
                "{\"query\": \"garden\", \"ranking_options\": {\"ranker\": 42}}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("error").path("param").asText()).isEqualTo("ranking_options.ranker");
        assertThat(cohere.requests()).hasSize(before);
    }

    @Test
    void fileSearchUsesTheRerankedOrder() throws Exception {
        HttpResponse<String> chat = send(keyA, "/v1/chat/completions", """
                {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "%s"}],
                 "tools": [{"type": "file_search", "vector_store_ids": ["%s"]}]}""".formatted(QUERY, store));
        assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
        JsonNode results = JSON.readTree(chat.body()).path("gatehouse_file_search").path("results");
        assertThat(results.findValuesAsText("file_id")).containsExactly(zebra, garden);
        assertThat(cohere.requests()).hasSize(before + 1);

        HttpResponse<String> named = send(keyA, "/v1/chat/completions", """
                {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "%s"}],
                 "tools": [{"type": "file_search", "vector_store_ids": ["%s"], "ranking_options": {"ranker": "mock-rerank"}}]}"""
                .formatted(QUERY, store));
        assertThat(named.statusCode()).as(named.body()).isEqualTo(200);
        JsonNode mock = JSON.readTree(named.body()).path("gatehouse_file_search").path("results");
        assertThat(mock.findValuesAsText("file_id")).containsExactly(garden, zebra);
        assertThat(mock.path(0).path("score").asDouble()).isEqualTo(1.0);
        assertThat(cohere.requests()).hasSize(before + 1);

        // The Responses API: the model reads the excerpts in the reranked order.
        HttpResponse<String> responses = send(keyA, "/v1/responses", """
                {"model": "gpt-4o-mini", "input": "%s", "tools": [{"type": "file_search", "vector_store_ids": ["%s"]}]}"""
                .formatted(QUERY, store));
        assertThat(responses.statusCode()).as(responses.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(responses.body());
        assertThat(answer.path("output").path(0).path("type").asText()).isEqualTo("file_search_call");
        assertThat(answer.path("instructions").asText()).contains("[1] zebra.txt").contains("[2] garden.txt");
        assertThat(cohere.requests()).hasSize(before + 2);
    }

    @Test
    void anotherTeamCannotReachTheStoreThroughRerankOptions() throws Exception {
        assertThatThrownBy(() -> search(beta, "mock-rerank", null)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> search(beta, null, null)).isInstanceOf(NotFoundException.class);
        HttpResponse<String> chat = send(keyB, "/v1/chat/completions", """
                {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "garden"}],
                 "tools": [{"type": "file_search", "vector_store_ids": ["%s"], "ranking_options": {"ranker": "cohere-rerank"}}]}"""
                .formatted(store));
        assertThat(chat.statusCode()).isEqualTo(404);
        assertThat(chat.body()).doesNotContain("garden report");
        assertThat(cohere.requests()).as("nothing of alpha's was sent to the reranker").hasSize(before);
    }

    @Test
    void aRerankerThatFailsFailsTheSearchWithAClearError() throws Exception {
        cohere.failNext(503, "service overloaded");
        HttpResponse<String> r = send(keyA, "/v1/vector_stores/" + store + "/search", "{\"query\": \"garden\"}");
        assertThat(r.statusCode()).as(r.body()).isIn(502, 503);
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("param").asText()).isEqualTo("ranking_options.ranker");
        assertThat(error.path("message").asText()).contains("Reranking with 'cohere-rerank' failed").contains("overloaded");

        cohere.failNext(503, "service overloaded");
        HttpResponse<String> chat = send(keyA, "/v1/chat/completions", """
                {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "garden"}],
                 "tools": [{"type": "file_search", "vector_store_ids": ["%s"]}]}""".formatted(store));
        assertThat(chat.statusCode()).as(chat.body()).isIn(502, 503);
        assertThat(JSON.readTree(chat.body()).path("error").path("param").asText()).isEqualTo("tools[0].ranking_options.ranker");
        // Once it answers again, so does the search.
        assertThat(search(alpha, null, null)).extracting(VectorStoreSearchResponse::fileId).startsWith(zebra);
    }

    @Test
    void aRerankerThatNeverAnswersFailsTheSearchAtItsDeadline() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = send(keyA, "/v1/vector_stores/" + store + "/search",
                "{\"query\": \"garden\", \"ranking_options\": {\"ranker\": \"hanging-rerank\"}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("param").asText()).isEqualTo("ranking_options.ranker");
        assertThat(error.path("message").asText()).contains("Reranking with 'hanging-rerank' failed");
    }

    @Test
    void aPolicyThatDeniesTheRerankModelFailsTheSearchWith403() throws Exception {
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        String team = master.ok("POST", "/teams", "{\"name\":\"gamma\"}").text("id");
        String key = RagSdkTest.key(master, team, "gamma-bot");
        String policy = master.ok("POST", "/policies", "{\"name\":\"no cohere reranking\","
                + "\"models\":[\"gpt-4o-mini\",\"text-embedding-3-small\",\"mock-rerank\"]}").text("id");
        master.ok("POST", "/policies/" + policy + "/attachments", "{\"subject_type\":\"team\",\"subject_id\":\"" + team + "\"}");
        String own = JSON.readTree(send(key, "/v1/vector_stores", "{\"name\":\"gamma\"}").body()).path("id").asText();
        attach(client(key), own, "gamma.txt", "The gamma garden grows beans.");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HttpResponse<String> r;
        do {
            // The default reranker (cohere-rerank) is not among gamma's models: its search says so, naming the ranker.
            r = send(key, "/v1/vector_stores/" + own + "/search", "{\"query\": \"garden\"}");
        } while (r.statusCode() != 403 && System.nanoTime() < deadline && pause());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("param").asText()).isEqualTo("ranking_options.ranker");
        assertThat(error.path("message").asText()).contains("Reranking with 'cohere-rerank' failed").contains("no cohere reranking");
        // A reranker the policy allows works.
        HttpResponse<String> allowed = send(key, "/v1/vector_stores/" + own + "/search",
                "{\"query\": \"garden\", \"ranking_options\": {\"ranker\": \"mock-rerank\"}}");
        assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
        assertThat(JSON.readTree(allowed.body()).path("data").path(0).path("score").asDouble()).isEqualTo(1.0);
        assertThat(cohere.requests()).hasSize(before);
    }

    private static boolean pause() throws InterruptedException {
        Thread.sleep(100);
        return true;
    }
}
