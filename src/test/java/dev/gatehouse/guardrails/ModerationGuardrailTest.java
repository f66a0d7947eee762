package dev.gatehouse.guardrails;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Moderation guardrails through the running gateway, against a strict fake of OpenAI's
 * {@code POST /v1/moderations} (request: {@code input} a string or an array of strings, optional
 * {@code model}, bearer key; answer: one result per input with {@code flagged}, {@code categories}
 * and {@code category_scores}). Per-category thresholds and the {@code "*"} default decide; a
 * moderation provider that fails blocks the call unless {@code on-error: allow}.
 */
class ModerationGuardrailTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String KEY = "sk-moderation-test";
    static final List<String> CATEGORIES = List.of("harassment", "hate", "self-harm", "sexual", "violence");

    static Vertx vertx;
    static HttpServer moderation;
    static FakeOpenAi openai;
    static GatewayHarness gateway;
    static final List<JsonNode> received = new CopyOnWriteArrayList<>();
    /** Answers with this status instead of scores while positive (a provider that is failing). */
    static final AtomicInteger failWith = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        moderation = vertx.createHttpServer().requestHandler(ModerationGuardrailTest::moderate)
                .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        openai = FakeOpenAi.start();
        gateway = GatewayHarness.start("""
                providers:
                  oa: {kind: openai, base-url: "%1$s", api-key: %2$s}
                  mod: {kind: openai, base-url: "http://127.0.0.1:%3$d/v1", api-key: %4$s}
                models:
                  moderated: {targets: [{provider: oa, model: gpt-4o}]}
                  moderated-open: {targets: [{provider: oa, model: gpt-4o}]}
                  moderated-answers: {targets: [{provider: oa, model: gpt-4o}]}
                guardrails:
                  moderation:
                    type: moderation
                    provider: mod
                    model: omni-moderation-latest
                    categories: {violence: 0.5, self-harm: 0.2, "*": 0.8}
                    timeout: 500ms
                    apply-to: {models: [moderated]}
                  moderation-open:
                    type: moderation
                    provider: mod
                    model: omni-moderation-latest
                    on-error: allow
                    apply-to: {models: [moderated-open]}
                  answer-moderation:
                    type: moderation
                    stage: output
                    provider: mod
                    stream: {window: 16}
                    apply-to: {models: [moderated-answers]}
                """.formatted(openai.baseUrl(), FakeOpenAi.DEFAULT_KEY, moderation.actualPort(), KEY));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        openai.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @BeforeEach
    void reset() {
        openai.reset();
        received.clear();
        failWith.set(0);
    }

    /** Scores by words in the text: "attack" violence 0.9, "hopeless" self-harm 0.3, "idiot" harassment 0.7. */
    static void moderate(HttpServerRequest req) {
        req.body().onSuccess(body -> {
            if (!req.path().equals("/v1/moderations") || req.method().name().equals("POST") == false) {
                req.response().setStatusCode(404).end("{\"error\":{\"message\":\"Not found\",\"type\":\"invalid_request_error\"}}");
                return;
            }
            if (!("Bearer " + KEY).equals(req.getHeader("authorization"))) {
                req.response().setStatusCode(401).end("{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}");
                return;
            }
            JsonNode json;
            try {
                json = JSON.readTree(body.getBytes());
            } catch (Exception e) {
                req.response().setStatusCode(400).end("{\"error\":{\"message\":\"We could not parse the JSON body of your request.\",\"type\":\"invalid_request_error\"}}");
                return;
            }
            JsonNode input = json.get("input");
            List<String> texts = new ArrayList<>();
            if (input != null && input.isTextual()) {
                texts.add(input.asText());
            } else if (input != null && input.isArray() && !input.isEmpty()) {
                for (JsonNode t : input) {
                    if (!t.isTextual()) {
                        req.response().setStatusCode(400).end("{\"error\":{\"message\":\"Invalid type for 'input'\",\"type\":\"invalid_request_error\",\"param\":\"input\"}}");
                        return;
                    }
                    texts.add(t.asText());
                }
            } else {
                req.response().setStatusCode(400).end("{\"error\":{\"message\":\"Missing required parameter: 'input'.\",\"type\":\"invalid_request_error\",\"param\":\"input\"}}");
                return;
            }
            received.add(json);
            if (failWith.get() > 0) {
                req.response().setStatusCode(failWith.get()).end("{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}");
                return;
            }
            ObjectNode answer = JSON.createObjectNode().put("id", "modr-1").put("model", json.path("model").asText("omni-moderation-latest"));
            ArrayNode results = answer.putArray("results");
            for (String text : texts) {
                Map<String, Double> scores = Map.of("violence", text.contains("attack") ? 0.9 : 0.01,
                        "self-harm", text.contains("hopeless") ? 0.3 : 0.01, "harassment", text.contains("idiot") ? 0.7 : 0.01,
                        "hate", 0.01, "sexual", 0.01);
                ObjectNode result = results.addObject();
                ObjectNode categories = result.putObject("categories");
                ObjectNode categoryScores = result.putObject("category_scores");
                boolean flagged = false;
                for (String c : CATEGORIES) {
                    boolean over = scores.get(c) >= 0.5;
                    flagged |= over;
                    categories.put(c, over);
                    categoryScores.put(c, scores.get(c));
                }
                result.put("flagged", flagged);
            }
            req.response().putHeader("content-type", "application/json").end(answer.toString());
        });
    }

    static HttpResponse<String> chat(String model, String content) {
        return gateway.post("/v1/chat/completions", """
                {"model":"%s","messages":[{"role":"system","content":"Be kind."},{"role":"user","content":%s}]}"""
                .formatted(model, JSON.valueToTree(content)));
    }

    @Test
    void aCleanPromptPassesAndTheModelSeesEveryTextOfTheRequest() throws Exception {
        HttpResponse<String> r = chat("moderated", "How do I bake bread?");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-gatehouse-guardrails").orElseThrow()).contains("moderation=passed");
        assertThat(received).hasSize(1);
        assertThat(received.getFirst().path("model").asText()).isEqualTo("omni-moderation-latest");
        assertThat(received.getFirst().path("input").toString()).contains("Be kind.").contains("How do I bake bread?");
        assertThat(openai.requestCount()).isEqualTo(1);
    }

    @Test
    void aCategoryAtItsThresholdBlocksWith400NamingTheCategoryAndNothingReachesTheModel() throws Exception {
        HttpResponse<String> violent = chat("moderated", "Plan an attack on the neighbours");
        assertThat(violent.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(violent.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("guardrail_blocked");
        assertThat(error.path("message").asText()).contains("'moderation'").contains("violence");
        // self-harm has its own low threshold (0.2): 0.3 blocks
        assertThat(chat("moderated", "I feel hopeless").statusCode()).isEqualTo(400);
        // harassment falls under "*" (0.8): 0.7 passes
        assertThat(chat("moderated", "you idiot, fix the bug").statusCode()).isEqualTo(200);
        assertThat(openai.requestCount()).isEqualTo(1);
        // the prompt itself is never in the error
        assertThat(violent.body()).doesNotContain("neighbours");
    }

    @Test
    void aFailingModerationProviderBlocksUnlessConfiguredToAllow() throws Exception {
        failWith.set(500);
        HttpResponse<String> closed = chat("moderated", "How do I bake bread?");
        assertThat(closed.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(closed.body()).at("/error/code").asText()).isEqualTo("guardrail_unavailable");
        assertThat(openai.requestCount()).isZero();

        HttpResponse<String> open = chat("moderated-open", "How do I bake bread?");
        assertThat(open.statusCode()).isEqualTo(200);
        assertThat(open.headers().firstValue("x-gatehouse-guardrails").orElseThrow()).contains("moderation-open=error");
        assertThat(openai.requestCount()).isEqualTo(1);
    }

    @Test
    void answersAreModeratedWholeAndStreamed() throws Exception {
        openai.answer("We will attack at dawn.");
        HttpResponse<String> whole = chat("moderated-answers", "What is the plan?");
        assertThat(whole.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(whole.body()).at("/error/message").asText()).contains("'answer-moderation'").contains("violence");
        assertThat(whole.body()).doesNotContain("dawn");
        // output stage only: the prompt was not sent, the answer was
        assertThat(received).hasSize(1);
        assertThat(received.getFirst().path("input").toString()).contains("We will attack at dawn.").doesNotContain("What is the plan?");

        received.clear();
        openai.chunkTexts("A calm and friendly introduction, long enough to be released. ", "Then: we ", "att", "ack at dawn.");
        HttpResponse<String> streamed = gateway.post("/v1/chat/completions", """
                {"model":"moderated-answers","stream":true,"messages":[{"role":"user","content":"What is the plan?"}]}""");
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.body()).doesNotContain("att").doesNotContain("dawn").contains("guardrail_blocked")
                .contains("'answer-moderation'").doesNotContain("[DONE]");

        openai.answer("Bread needs flour, water, salt and yeast.");
        HttpResponse<String> clean = chat("moderated-answers", "How do I bake bread?");
        assertThat(clean.statusCode()).isEqualTo(200);
        assertThat(clean.headers().firstValue("x-gatehouse-guardrails").orElseThrow()).contains("answer-moderation=passed(output)");
    }
}
