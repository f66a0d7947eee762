package dev.gatehouse.api.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeCohere;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.RecordedRequest;
import dev.gatehouse.usage.RequestLogStore;
import dev.gatehouse.usage.RequestRecord;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/rerank} through the gateway: to Cohere's {@code /v2/rerank} (a strict fake) and the
 * mock's reranker, with routing and fallback, the request log, budgets, and bad input refused with
 * field-named 400s in OpenAI's error format.
 */
class RerankApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static FakeCohere cohere;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        cohere = FakeCohere.start();
        gateway = GatewayHarness.start("""
                providers:
                  cohere: {kind: cohere, base-url: "%s", api-key: %s}
                  mock: {kind: mock}
                routing:
                  retries: {same-target: 0}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  text-embedding-3-small:
                    type: embedding
                    targets: [{provider: mock}]
                  rerank-v3.5:
                    type: rerank
                    targets: [{provider: cohere, model: rerank-v3.5-upstream}, {provider: mock}]
                    pricing: {input: 2.00, output: 0}
                  cohere-rerank:
                    type: rerank
                    targets: [{provider: cohere, model: rerank-v3.5}]
                  mock-rerank:
                    type: rerank
                    targets: [{provider: mock}]
                    pricing: {input: 1000, output: 0, search-unit: 0.5}
                request-log:
                  flush-interval: 50ms
                """.formatted(cohere.baseUrl(), FakeCohere.KEY));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        cohere.close();
    }

    @BeforeEach
    void reset() {
        cohere.reset();
    }

    static HttpResponse<String> rerank(String body, String requestId) {
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/rerank"))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).header("Content-Type", "application/json")
                .header("x-request-id", requestId).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    static RequestRecord awaitRecord(String requestId) throws InterruptedException {
        RequestLogStore store = gateway.gatehouse().requestLogging().store();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            RequestRecord r = store.find(requestId);
            if (r != null) {
                return r;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no request log record for " + requestId);
    }

    @Test
    void cohereRerankerAnswersInTheCohereShapeAndIsLogged() throws Exception {
        cohere.prefer("Paris");
        String id = "rr-" + System.nanoTime();
        HttpResponse<String> r = rerank("""
                {"model": "rerank-v3.5", "query": "What is the capital of France?",
                 "documents": ["Berlin is the capital of Germany.", {"text": "Paris is the capital of France."}, "Rome is in Italy."],
                 "top_n": 2, "return_documents": true, "max_tokens_per_doc": 512}""", id);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.path("id").asText()).isEqualTo("r-1");
        assertThat(answer.path("model").asText()).as("the model that answered, as on every endpoint").isEqualTo("rerank-v3.5-upstream");
        JsonNode results = answer.path("results");
        assertThat(results).hasSize(2);
        assertThat(results.path(0).path("index").asInt()).isEqualTo(1);
        assertThat(results.path(0).path("relevance_score").asDouble()).isEqualTo(0.899);
        assertThat(results.path(0).path("document").path("text").asText()).isEqualTo("Paris is the capital of France.");
        assertThat(results.path(1).path("index").asInt()).isEqualTo(0);
        assertThat(answer.path("meta").path("billed_units").path("search_units").asLong()).isEqualTo(1);
        assertThat(answer.has("usage")).as("Cohere reports no tokens, so none are shown").isFalse();

        RecordedRequest sent = cohere.lastRequest();
        assertThat(sent.path()).isEqualTo("/v2/rerank");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + FakeCohere.KEY);
        assertThat(sent.json()).isEqualTo(JSON.readTree("""
                {"model": "rerank-v3.5-upstream", "query": "What is the capital of France?",
                 "documents": ["Berlin is the capital of Germany.", "Paris is the capital of France.", "Rome is in Italy."],
                 "top_n": 2, "max_tokens_per_doc": 512}"""));

        RequestRecord record = awaitRecord(id);
        assertThat(record.status()).isEqualTo(200);
        assertThat(record.endpoint()).isEqualTo("rerank");
        assertThat(record.provider()).isEqualTo("cohere");
        assertThat(record.requestedModel()).isEqualTo("rerank-v3.5");
        assertThat(record.inputTokens()).as("estimated: the query beside each document, and the documents").isPositive();
        assertThat(record.usageEstimated()).isTrue();
        // The catalogue's $2 per 1,000 searches for rerank-v3.5, and the configured $2 per 1M input tokens.
        assertThat(record.costMicros()).isEqualTo(2_000 + dev.gatehouse.pricing.Pricing.cost(
                dev.gatehouse.pricing.ModelPrice.of(2_000_000, 0), dev.gatehouse.canonical.Usage.of(record.inputTokens(), 0)));
    }

    @Test
    void aFailingCohereFallsBackToTheMockReranker() throws Exception {
        cohere.failNext(503, "overloaded");
        String id = "rr-" + System.nanoTime();
        HttpResponse<String> r = rerank("""
                {"model": "rerank-v3.5", "query": "green tea", "documents": ["black coffee", "green tea leaves", "tea"]}""", id);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(r.body());
        // The mock: the share of the query's words in each document.
        assertThat(answer.path("results").findValuesAsText("index")).containsExactly("1", "2", "0");
        assertThat(answer.path("results").path(0).path("relevance_score").asDouble()).isEqualTo(1.0);
        assertThat(answer.path("results").path(1).path("relevance_score").asDouble()).isEqualTo(0.5);
        assertThat(answer.path("results").path(0).has("document")).isFalse();
        assertThat(answer.path("usage").path("total_tokens").asLong()).isPositive();
        RequestRecord record = awaitRecord(id);
        assertThat(record.provider()).isEqualTo("mock");
        assertThat(record.inputTokens()).isEqualTo(answer.path("usage").path("total_tokens").asLong());
    }

    @Test
    void aRerankIsChargedToTheBudget() throws Exception {
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        String budget = master.ok("POST", "/budgets", "{\"scope\":\"org\",\"period\":\"month\",\"limit_micros\":100000000,"
                + "\"name\":\"rerank\"}").text("id");
        try {
            String id = "rr-" + System.nanoTime();
            HttpResponse<String> r = rerank("""
                    {"model": "mock-rerank", "query": "one two", "documents": ["one", "two three"]}""", id);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            long tokens = JSON.readTree(r.body()).path("usage").path("total_tokens").asLong();
            RequestRecord record = awaitRecord(id);
            // $1,000 per 1M tokens, and $0.50 for its one search unit
            assertThat(record.costMicros()).isEqualTo(tokens * 1000 + 500_000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            long spent;
            do {
                spent = master.ok("GET", "/budgets/" + budget, null).json().path("current").path("spent_micros").asLong();
            } while (spent == 0 && System.nanoTime() < deadline && sleep());
            assertThat(spent).isEqualTo(record.costMicros());
        } finally {
            master.ok("DELETE", "/budgets/" + budget, null);
        }
    }

    @Test
    void aBudgetRefusesARerankItCannotCoverBeforeTheProviderIsCalled() throws Exception {
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        String budget = master.ok("POST", "/budgets", "{\"scope\":\"org\",\"period\":\"month\",\"limit_micros\":1000,"
                + "\"name\":\"tiny\"}").text("id");
        try {
            int before = cohere.requests().size();
            // rerank-v3.5 costs $0.002 per search unit: 2,000 micro-USD at least, over the 1,000 left.
            HttpResponse<String> r = rerank("{\"model\": \"cohere-rerank\", \"query\": \"q\", \"documents\": [\"a\"]}",
                    "b-" + System.nanoTime());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
            assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).contains("does not cover this request");
            assertThat(cohere.requests()).hasSize(before);
        } finally {
            master.ok("DELETE", "/budgets/" + budget, null);
        }
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(20);
        return true;
    }

    @Test
    void badInputIsA400NamingTheField() throws Exception {
        int before = cohere.requests().size();
        String many = "[" + "\"d\",".repeat(1000) + "\"d\"]";
        String[][] cases = {
                {"{\"model\": \"rerank-v3.5\", \"documents\": [\"a\"]}", "query"},
                {"{\"model\": \"rerank-v3.5\", \"query\": \" \", \"documents\": [\"a\"]}", "query"},
                {"{\"model\": \"rerank-v3.5\", \"query\": \"q\"}", "documents"},
                {"{\"model\": \"rerank-v3.5\", \"query\": \"q\", \"documents\": []}", "documents"},
                {"{\"model\": \"rerank-v3.5\", \"query\": \"q\", \"documents\": " + many + "}", "documents"},
                {"{\"model\": \"rerank-v3.5\", \"query\": \"q\", \"documents\": [\"a\", 7]}", "documents[1]"},
                {"{\"model\": \"rerank-v3.5\", \"query\": \"q\", \"documents\": [\"a\"], \"top_n\": 0}", "top_n"},
                {"{\"model\": \"rerank-v3.5\", \"query\": \"q\", \"documents\": [\"a\"], \"top_n\": 1001}", "top_n"},
                {"{\"model\": \"rerank-v3.5\", \"query\": \"q\", \"documents\": [\"a\"], \"top_n\": 1.5}", "top_n"},
                {"{\"model\": \"rerank-v3.5\", \"query\": \"q\", \"documents\": [\"a\"], \"return_documents\": \"yes\"}",
                        "return_documents"},
                {"{\"query\": \"q\", \"documents\": [\"a\"]}", "model"},
                {"{\"model\": \"gpt-4o-mini\", \"query\": \"q\", \"documents\": [\"a\"]}", "model"},
                {"{\"model\": \"text-embedding-3-small\", \"query\": \"q\", \"documents\": [\"a\"]}", "model"}};
        for (String[] c : cases) {
            HttpResponse<String> r = rerank(c[0], "bad-" + System.nanoTime());
            assertThat(r.statusCode()).as(c[0].length() > 200 ? c[1] : c[0]).isEqualTo(400);
            JsonNode error = JSON.readTree(r.body()).path("error");
            assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(error.path("param").asText()).as(r.body()).isEqualTo(c[1]);
        }
        HttpResponse<String> chat = rerank("{\"model\": \"gpt-4o-mini\", \"query\": \"q\", \"documents\": [\"a\"]}", "x");
        assertThat(JSON.readTree(chat.body()).path("error").path("message").asText()).contains("POST /v1/chat/completions");
        HttpResponse<String> unknown = rerank("{\"model\": \"no-such-model\", \"query\": \"q\", \"documents\": [\"a\"]}", "y");
        assertThat(unknown.statusCode()).isEqualTo(404);
        // A reranker is not a chat or embedding model either.
        HttpResponse<String> asChat = gateway.post("/v1/chat/completions",
                "{\"model\": \"rerank-v3.5\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertThat(asChat.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(asChat.body()).path("error").path("message").asText()).contains("POST /v1/rerank");
        HttpResponse<String> asEmbedding = gateway.post("/v1/embeddings", "{\"model\": \"rerank-v3.5\", \"input\": \"hi\"}");
        assertThat(asEmbedding.statusCode()).isEqualTo(400);
        assertThat(cohere.requests()).as("nothing reached the provider").hasSize(before);
    }

    @Test
    void anUpstreamRefusalKeepsItsStatusAndMessage() throws Exception {
        cohere.failNext(400, "invalid request: too many tokens");
        HttpResponse<String> r = rerank("{\"model\": \"cohere-rerank\", \"query\": \"q\", \"documents\": [\"a\"]}",
                "z-" + System.nanoTime());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).contains("too many tokens");
    }
}
