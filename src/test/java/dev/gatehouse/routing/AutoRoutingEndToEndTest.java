package dev.gatehouse.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.access.Authenticator;
import dev.gatehouse.call.Principal;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A router model through the running gateway: rules, capability choice, cost order and fallback
 * to the next candidate, the route reason header, the 400 when nothing qualifies, and /v1/models.
 * Two fakes: {@code cheap} serves gpt-4o-mini, {@code main} serves gpt-4o and claude-sonnet-4-5.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AutoRoutingEndToEndTest {
    static final String MASTER = "auto-test-master-key-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();
    static final Authenticator TEAMS = token -> switch (token) {
        case "tok-research" -> new Principal("user-r", "test", null, "user-r", "research", Set.of("member"), null);
        case "tok-sales" -> new Principal("user-s", "test", null, "user-s", "sales", Set.of("member"), null);
        default -> null;
    };

    static FakeOpenAi cheap;
    static FakeOpenAi main;
    static Gatehouse gatehouse;
    static Path dir;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws IOException {
        cheap = FakeOpenAi.start();
        main = FakeOpenAi.start();
        dir = Files.createTempDirectory("gatehouse-auto");
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                providers:
                  cheap: {kind: openai, base-url: "%s", api-key: %s}
                  main: {kind: openai, base-url: "%s", api-key: %s}
                  dead: {kind: openai, base-url: "http://127.0.0.1:%d/v1", api-key: %s}
                routing:
                  circuit-breaker: {consecutive-failures: 1000, failure-rate: 100, window: 10000}
                  retries: {same-target: 0}
                models:
                  mini: {capabilities: [json-schema], targets: [{provider: cheap, model: gpt-4o-mini}]}
                  big: {capabilities: [vision, tools, json-schema], targets: [{provider: main, model: gpt-4o}]}
                  claude: {capabilities: [vision, tools], targets: [{provider: main, model: claude-sonnet-4-5}]}
                  auto:
                    router:
                      candidates: [claude, big, mini]
                      rules:
                        - {when: {header: {x-task: code}}, use: big}
                        - {when: {team: research}, use: claude}
                        - {when: {prompt-tokens-over: 2000}, use: claude}
                        - {when: {last-message-matches: "(?i)\\\\b(prove|theorem)\\\\b"}, use: big}
                  text-only: {router: {candidates: [mini]}}
                  emb: {type: embedding, targets: [{provider: main, model: text-embedding-3-small}]}
                  emb-dead: {type: embedding, targets: [{provider: dead, model: text-embedding-3-small}]}
                  sem:
                    router:
                      candidates: [mini, big]
                      semantic:
                        embedding-model: emb
                        min-similarity: 0.9
                        examples:
                          big: ["Write a Python function that sorts a list", "Fix the bug in this code"]
                          claude: ["Write a sonnet about the sea"]
                  sem-down:
                    router:
                      candidates: [mini]
                      semantic: {embedding-model: emb-dead, examples: {big: ["Fix the bug in this code"]}}
                auth:
                  master-key: %s
                """.formatted(cheap.baseUrl(), FakeOpenAi.DEFAULT_KEY, main.baseUrl(), FakeOpenAi.DEFAULT_KEY,
                closedPort, FakeOpenAi.DEFAULT_KEY, MASTER));
        gatehouse = Gatehouse.start(new Gatehouse.Options(config, "127.0.0.1", 0, dir.resolve("data"), false, List.of(TEAMS)));
    }

    @AfterAll
    static void stop() {
        gatehouse.close();
        cheap.close();
        main.close();
    }

    @BeforeEach
    void reset() {
        cheap.reset();
        main.reset();
    }

    static HttpResponse<String> chat(String token, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatehouse.port() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> chat(String body) {
        return chat(MASTER, body, Map.of());
    }

    static String text(String model, String text) {
        try {
            return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":" + JSON.writeValueAsString(text) + "}]}";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(response.body(), e);
        }
    }

    static String upstreamModel(FakeOpenAi fake) {
        try {
            return JSON.readTree(fake.lastRequest().bodyString()).path("model").asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String route(HttpResponse<String> response) {
        return response.headers().firstValue("x-gatehouse-route").orElse("");
    }

    @Test
    void headerRule() {
        HttpResponse<String> r = chat(MASTER, text("auto", "hi"), Map.of("x-task", "code"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(upstreamModel(main)).isEqualTo("gpt-4o");
        assertThat(cheap.requestCount()).isZero();
        assertThat(route(r)).startsWith("router=auto; rule=1 (header x-task=code) -> big; strategy=priority");
        assertThat(json(r).path("model").asText()).isEqualTo("gpt-4o"); // the model that answered, not "auto"
    }

    @Test
    void teamRule() {
        HttpResponse<String> research = chat("tok-research", text("auto", "hi"), Map.of());
        assertThat(research.statusCode()).as(research.body()).isEqualTo(200);
        assertThat(upstreamModel(main)).isEqualTo("claude-sonnet-4-5");
        assertThat(route(research)).startsWith("router=auto; rule=2 (team research) -> claude");

        HttpResponse<String> sales = chat("tok-sales", text("auto", "hi"), Map.of());
        assertThat(route(sales)).contains("chose=mini");
        assertThat(upstreamModel(cheap)).isEqualTo("gpt-4o-mini");
    }

    @Test
    void regexRule() {
        HttpResponse<String> r = chat(text("auto", "Prove that there are infinitely many primes."));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(upstreamModel(main)).isEqualTo("gpt-4o");
        assertThat(route(r)).startsWith("router=auto; rule=4 (last-message-matches) -> big");
    }

    @Test
    void promptLengthRule() {
        HttpResponse<String> r = chat(text("auto", "lorem ipsum ".repeat(1500)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(upstreamModel(main)).isEqualTo("claude-sonnet-4-5");
        assertThat(route(r)).startsWith("router=auto; rule=3 (prompt-tokens-over 2000) -> claude");
    }

    @Test
    void cheapestQualifyingCandidateServesAndTheOthersAreItsFallbacks() {
        HttpResponse<String> r = chat(text("auto", "hi"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(upstreamModel(cheap)).isEqualTo("gpt-4o-mini");
        assertThat(main.requestCount()).isZero();
        assertThat(route(r)).startsWith("router=auto; capabilities=none; prompt-tokens=")
                .contains("; chose=mini (cheapest qualifying); strategy=priority");
        assertThat(json(r).path("model").asText()).isEqualTo("gpt-4o-mini");

        cheap.failAlways(Fault.serverError());
        HttpResponse<String> failedOver = chat(text("auto", "hi"));
        assertThat(failedOver.statusCode()).as(failedOver.body()).isEqualTo(200);
        assertThat(upstreamModel(main)).isEqualTo("gpt-4o"); // the next cheapest candidate, before claude
        assertThat(failedOver.headers().firstValue("x-gatehouse-model")).hasValue("gpt-4o");
    }

    @Test
    void imageRequestPicksAVisionCapableCandidate() {
        HttpResponse<String> r = chat("""
                {"model":"auto","messages":[{"role":"user","content":[{"type":"text","text":"What is in this picture?"},
                 {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}""");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(cheap.requestCount()).isZero();
        assertThat(upstreamModel(main)).isEqualTo("gpt-4o"); // cheaper than claude; mini cannot see
        assertThat(route(r)).contains("capabilities=vision;", "chose=big (cheapest qualifying)", "not-qualifying=mini (no vision)");
    }

    @Test
    void toolsRequestSkipsACandidateWithoutTools() {
        HttpResponse<String> r = chat("""
                {"model":"auto","messages":[{"role":"user","content":"Weather in Paris?"}],
                 "tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object","properties":{}}}}]}""");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(cheap.requestCount()).isZero();
        assertThat(upstreamModel(main)).isEqualTo("gpt-4o");
        assertThat(route(r)).contains("capabilities=tools;", "not-qualifying=mini (no tools)");
    }

    @Test
    void noQualifyingCandidateIsAClear400() {
        HttpResponse<String> r = chat("""
                {"model":"text-only","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},
                 {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}""");
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode error = json(r).path("error");
        assertThat(error.path("message").asText())
                .startsWith("No candidate of the router model 'text-only' can serve this request (needs capabilities: vision;")
                .contains("mini (no vision)");
        assertThat(error.path("code").asText()).isEqualTo("no_qualifying_model");
        assertThat(cheap.requestCount()).isZero();
    }

    @Test
    void modelsListsTheRouterModel() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatehouse.port() + "/v1/models"))
                .header("Authorization", "Bearer " + MASTER).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).path("data").findValuesAsText("id")).contains("auto", "text-only", "mini", "big", "claude");
    }

    static long embeddingCalls(FakeOpenAi fake) {
        return fake.requests().stream().filter(r -> r.path().endsWith("/embeddings")).count();
    }

    @Test
    void semanticRoutingPicksTheNearestLabelledExampleAndCachesTheExamples() {
        HttpResponse<String> r = chat(text("sem", "Write a sonnet about the sea"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(upstreamModel(main)).isEqualTo("claude-sonnet-4-5");
        assertThat(route(r)).startsWith("router=sem; semantic=claude (similarity 1.00); strategy=priority");
        long first = embeddingCalls(main);
        assertThat(first).isBetween(1L, 2L); // the examples (unless an earlier test embedded them) and the message

        HttpResponse<String> again = chat(text("sem", "Fix the bug in this code"));
        assertThat(upstreamModel(main)).isEqualTo("gpt-4o");
        assertThat(route(again)).startsWith("router=sem; semantic=big (similarity 1.00)");
        assertThat(embeddingCalls(main) - first).as("example embeddings are cached").isEqualTo(1);
    }

    @Test
    void aMessageNearNoExampleFallsThroughToTheCapabilityChoice() {
        HttpResponse<String> r = chat(text("sem", "What is the capital of France?"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(route(r)).containsPattern("^router=sem; semantic=no match \\(best -?0\\.\\d\\d\\); capabilities=none;")
                .contains("chose=mini");
        assertThat(upstreamModel(cheap)).isEqualTo("gpt-4o-mini");
    }

    @Test
    void anUnreachableEmbeddingModelDoesNotFailTheRequest() {
        HttpResponse<String> r = chat(text("sem-down", "Fix the bug in this code"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(route(r)).startsWith("router=sem-down; semantic=unavailable; capabilities=none;");
        assertThat(upstreamModel(cheap)).isEqualTo("gpt-4o-mini");
    }

    @Test
    void anthropicCallersAreRoutedOnContentToo() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatehouse.port() + "/v1/messages"))
                .header("x-api-key", MASTER).header("anthropic-version", "2023-06-01").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"auto","max_tokens":100,"messages":[{"role":"user","content":"Prove the theorem."}]}"""))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(upstreamModel(main)).isEqualTo("gpt-4o");
        assertThat(route(r)).startsWith("router=auto; rule=4 (last-message-matches) -> big");
        assertThat(json(r).path("content").path(0).path("text").asText()).isEqualTo(FakeOpenAi.DEFAULT_ANSWER);
    }
}
