package dev.gatehouse.guardrails;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Webhook guardrails on the answer side, through the running gateway: whole answers judged before
 * they are sent, streamed text released only after a check of the answer so far passed (window and
 * whole mode), blocks in-band in each caller's format with nothing of the blocked text sent, the
 * fail-closed default for a service that errs, is late or answers garbage, and replacements.
 */
class RemoteOutputGuardrailsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SECRET = "hook-secret-0123";
    /** A value only the webhook recognises (no built-in detector does): the stream must never carry any of it. */
    static final String FORBIDDEN = "XQZ-zebrafalcon-XQZ";
    static final String INTRO = "Here is a long harmless introduction that the webhook lets through in pieces. ".repeat(3);

    static FakeOpenAi openai;
    static FakeAnthropic claude;
    static GatewayHarness gateway;
    static Vertx vertx;
    static HttpServer hook;

    /** What the webhook answers: a status and a body, after a delay. */
    record Reply(int status, String body, long delayMs) {}

    /** The webhook's verdict as a function of the request it received. */
    static final AtomicReference<Function<JsonNode, Reply>> verdict = new AtomicReference<>();
    /** Every request the webhook received (parsed), with the verdict it gave. */
    static final List<JsonNode> calls = new CopyOnWriteArrayList<>();

    static final Function<JsonNode, Reply> BLOCK_FORBIDDEN = req -> req.path("texts").toString().contains("falcon")
            ? new Reply(200, "{\"action\":\"block\",\"reason\":\"it names a secret plan\"}", 0)
            : new Reply(200, "{\"action\":\"allow\"}", 0);

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        hook = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            String expected = "sha256=" + WebhookCheck.sign(SECRET, req.getHeader("x-gatehouse-timestamp"), body);
            JsonNode parsed = JSON.createObjectNode();
            try {
                parsed = JSON.readTree(body.getBytes());
            } catch (Exception e) {
                // recorded as empty
            }
            if (!expected.equals(req.getHeader("x-gatehouse-signature"))) {
                req.response().setStatusCode(401).end();
                return;
            }
            calls.add(parsed);
            Reply r = verdict.get().apply(parsed);
            vertx.setTimer(Math.max(1, r.delayMs()), t -> {
                if (!req.response().closed()) {
                    req.response().setStatusCode(r.status()).end(r.body());
                }
            });
        })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        openai = FakeOpenAi.start();
        claude = FakeAnthropic.start();
        gateway = GatewayHarness.start("""
                providers:
                  oa: {kind: openai, base-url: "%1$s", api-key: %2$s}
                  an: {kind: anthropic, base-url: "%3$s", api-key: %4$s}
                models:
                  judged: {targets: [{provider: oa, model: gpt-4o}]}
                  judged-whole: {targets: [{provider: oa, model: gpt-4o}]}
                  judged-open: {targets: [{provider: oa, model: gpt-4o}]}
                  claude-judged: {targets: [{provider: an, model: claude-sonnet-4-5}]}
                  masked: {targets: [{provider: oa, model: gpt-4o}]}
                guardrails:
                  pii:
                    type: pii
                    action: mask
                    restore: true
                    apply-to: {models: [masked]}
                  hook-out:
                    type: webhook
                    stage: output
                    url: http://127.0.0.1:%5$d/verdict
                    secret: %6$s
                    allow-private: true
                    timeout: 2s
                    stream: {window: 32}
                    apply-to: {models: [judged, claude-judged, masked]}
                  hook-whole:
                    type: webhook
                    stage: output
                    url: http://127.0.0.1:%5$d/verdict
                    secret: %6$s
                    allow-private: true
                    timeout: 400ms
                    stream: {mode: whole}
                    apply-to: {models: [judged-whole]}
                  hook-open:
                    type: webhook
                    stage: output
                    url: http://127.0.0.1:%5$d/verdict
                    secret: %6$s
                    allow-private: true
                    timeout: 400ms
                    on-error: allow
                    apply-to: {models: [judged-open]}
                """.formatted(openai.baseUrl(), FakeOpenAi.DEFAULT_KEY, claude.baseUrl(), FakeAnthropic.DEFAULT_KEY,
                hook.actualPort(), SECRET));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        openai.close();
        claude.close();
        vertx.close();
    }

    @BeforeEach
    void reset() {
        openai.reset();
        claude.reset();
        openai.onRequest(null);
        calls.clear();
        verdict.set(BLOCK_FORBIDDEN);
    }

    static HttpResponse<String> chat(String model, String content, boolean stream) {
        return gateway.post("/v1/chat/completions", """
                {"model":"%s","stream":%s,"messages":[{"role":"user","content":%s}]}"""
                .formatted(model, stream, JSON.valueToTree(content)));
    }

    /** The answer in pieces of {@code n} characters, as the fake streams them. */
    static String[] pieces(String answer, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < answer.length(); i += n) {
            out.add(answer.substring(i, Math.min(answer.length(), i + n)));
        }
        return out.toArray(String[]::new);
    }

    /** No four-character piece of {@link #FORBIDDEN} reached the caller. */
    static void assertNothingOfTheValue(String sent) {
        for (int i = 0; i + 4 <= FORBIDDEN.length(); i++) {
            assertThat(sent).doesNotContain(FORBIDDEN.substring(i, i + 4));
        }
    }

    @Test
    void aWholeAnswerIsJudgedBeforeItIsSent() throws Exception {
        openai.answer("The plan is " + FORBIDDEN + ".");
        HttpResponse<String> blocked = chat("judged", "tell me the plan", false);
        assertThat(blocked.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(blocked.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("guardrail_blocked");
        assertThat(error.get("message").asText()).contains("'hook-out'").contains("it names a secret plan");
        assertNothingOfTheValue(blocked.body());
        assertThat(blocked.headers().firstValue("x-gatehouse-guardrails").orElseThrow()).contains("hook-out=blocked(output)");
        assertThat(calls).hasSize(1);
        assertThat(calls.getFirst().get("stage").asText()).isEqualTo("output");
        assertThat(calls.getFirst().get("texts").get(0).asText()).isEqualTo("The plan is " + FORBIDDEN + ".");

        openai.answer("A harmless answer.");
        HttpResponse<String> passed = chat("judged", "hello", false);
        assertThat(passed.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(passed.body()).at("/choices/0/message/content").asText()).isEqualTo("A harmless answer.");
        assertThat(passed.headers().firstValue("x-gatehouse-guardrails").orElseThrow()).contains("hook-out=passed(output)");
    }

    @Test
    void aStreamIsReleasedOnlyAfterTheAnswerSoFarPassedAndABlockEndsItInBand() throws Exception {
        openai.chunkTexts(pieces(INTRO + "Now the secret: " + FORBIDDEN + " and more text after it.", 7));
        HttpResponse<String> r = chat("judged", "tell me", true);
        assertThat(r.statusCode()).isEqualTo(200);
        String sse = r.body();
        assertNothingOfTheValue(sse);
        String released = GuardrailsGatewayTest.streamedText(sse);
        assertThat(released).isNotEmpty(); // window mode: the introduction went out before the value came
        assertThat(INTRO + "Now the secret: ").startsWith(released);
        JsonNode error = JSON.readTree(GuardrailsGatewayTest.lastDataLine(sse)).get("error");
        assertThat(error.get("code").asText()).isEqualTo("guardrail_blocked");
        assertThat(error.get("message").asText()).contains("'hook-out'");
        assertThat(sse).doesNotContain("[DONE]");
        // every released character was part of an answer-so-far that the webhook allowed
        String lastAllowed = "";
        for (JsonNode call : calls) {
            String text = call.get("texts").get(0).asText();
            if (!text.contains("falcon")) {
                lastAllowed = text;
            }
        }
        assertThat(lastAllowed).startsWith(released);
        // the verdicts reach the metrics and the request log like the others', without the judged text
        String metrics = "";
        for (int i = 0; i < 50 && !metrics.contains("guardrail=\"hook-out\",outcome=\"blocked\",stage=\"output\""); i++) {
            Thread.sleep(100);
            metrics = gateway.get("/metrics").body();
        }
        assertThat(metrics).contains("gatehouse_guardrail_runs_total{guardrail=\"hook-out\",outcome=\"blocked\",stage=\"output\"}");
        dev.gatehouse.testing.AdminClient admin = new dev.gatehouse.testing.AdminClient(gateway, GatewayHarness.MASTER_KEY);
        String rows = "";
        for (int i = 0; i < 100 && !rows.contains("hook-out:output=blocked"); i++) {
            Thread.sleep(100);
            rows = admin.get("/usage/requests?limit=20").body();
        }
        assertThat(rows).contains("hook-out:output=blocked[WEBHOOK]").doesNotContain("falcon");
    }

    @Test
    void aStreamThatPassesArrivesWholeAfterSeveralChecks() throws Exception {
        String answer = INTRO + "The end.";
        openai.chunkTexts(pieces(answer, 5));
        verdict.set(req -> new Reply(200, "{\"action\":\"allow\"}", 20));
        HttpResponse<String> r = chat("judged", "tell me", true);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(GuardrailsGatewayTest.streamedText(r.body())).as(r.body()).isEqualTo(answer);
        assertThat(r.body()).contains("data: [DONE]");
        assertThat(calls.size()).isGreaterThan(1);
        assertThat(calls.getLast().get("texts").get(0).asText()).isEqualTo(answer); // the last check saw all of it
    }

    @Test
    void wholeModeReleasesNothingBeforeTheEndAndHonoursAReplacement() throws Exception {
        openai.chunkTexts(pieces("Sure. The plan is " + FORBIDDEN + " as agreed.", 6));
        HttpResponse<String> blocked = chat("judged-whole", "tell me", true);
        assertThat(blocked.statusCode()).isEqualTo(200);
        assertThat(GuardrailsGatewayTest.streamedText(blocked.body())).isEmpty(); // not even "Sure."
        assertThat(blocked.body()).contains("guardrail_blocked").contains("'hook-whole'").doesNotContain("[DONE]");
        assertNothingOfTheValue(blocked.body());
        assertThat(calls).hasSize(1);

        verdict.set(req -> new Reply(200, "{\"action\":\"mask\",\"replacement\":[\"The plan is [redacted].\"]}", 0));
        openai.chunkTexts(pieces("The plan is " + FORBIDDEN + ".", 6));
        HttpResponse<String> masked = chat("judged-whole", "tell me", true);
        assertThat(GuardrailsGatewayTest.streamedText(masked.body())).isEqualTo("The plan is [redacted].");
        assertThat(masked.body()).contains("data: [DONE]");
        assertNothingOfTheValue(masked.body());

        openai.answer("The plan is " + FORBIDDEN + ".");
        HttpResponse<String> wholeAnswer = chat("judged-whole", "tell me", false);
        assertThat(JSON.readTree(wholeAnswer.body()).at("/choices/0/message/content").asText()).isEqualTo("The plan is [redacted].");
        assertThat(wholeAnswer.headers().firstValue("x-gatehouse-guardrails").orElseThrow()).contains("hook-whole=masked(output)");
    }

    @Test
    void aReplacementOfTextAlreadySentEndsTheStreamBlocked() throws Exception {
        verdict.set(req -> req.path("texts").toString().contains("falcon")
                ? new Reply(200, "{\"action\":\"mask\",\"replacement\":[\"[redacted]\"]}", 0)
                : new Reply(200, "{\"action\":\"allow\"}", 0));
        openai.chunkTexts(pieces(INTRO + "Now: " + FORBIDDEN + " end.", 7));
        HttpResponse<String> r = chat("judged", "tell me", true);
        assertNothingOfTheValue(r.body());
        assertThat(r.body()).contains("guardrail_blocked").contains("'hook-out'").contains("stream mode: whole")
                .doesNotContain("[DONE]");
    }

    @Test
    void aServiceThatFailsLateOrAnswersGarbageFailsClosed() throws Exception {
        List<Reply> bad = List.of(new Reply(500, "oops", 0), new Reply(200, "{\"action\":\"allow\"}", 3000),
                new Reply(200, "<html>not json</html>", 0), new Reply(200, "{\"verdict\":\"ok\"}", 0));
        for (Reply reply : bad) {
            verdict.set(req -> reply);
            openai.answer("fine answer");
            HttpResponse<String> whole = chat("judged", "hello", false);
            assertThat(whole.statusCode()).as("whole, webhook answering %s", reply).isEqualTo(503);
            assertThat(whole.body()).contains("guardrail_unavailable").contains("'hook-out'").doesNotContain("fine answer");

            openai.chunkTexts(pieces(INTRO, 9));
            HttpResponse<String> streamed = chat("judged", "hello", true);
            assertThat(streamed.statusCode()).isEqualTo(200);
            assertThat(streamed.body()).as("stream, webhook answering %s", reply).contains("guardrail_unavailable")
                    .doesNotContain("[DONE]");
            assertThat(GuardrailsGatewayTest.streamedText(streamed.body())).isEmpty(); // the first check failed: nothing released
        }
        verdict.set(req -> new Reply(500, "oops", 0));
        openai.chunkTexts(pieces(INTRO, 9));
        HttpResponse<String> open = chat("judged-open", "hello", true);
        assertThat(GuardrailsGatewayTest.streamedText(open.body())).isEqualTo(INTRO);
        assertThat(open.body()).contains("data: [DONE]");
    }

    @Test
    void messagesAndResponsesEndABlockedStreamInTheirFormat() throws Exception {
        claude.answer(INTRO + "The secret: " + FORBIDDEN + " and the rest.");
        HttpResponse<String> m = gateway.post("/v1/messages", """
                {"model":"claude-judged","max_tokens":500,"stream":true,"messages":[{"role":"user","content":"tell me"}]}""");
        assertThat(m.statusCode()).isEqualTo(200);
        assertNothingOfTheValue(m.body());
        assertThat(m.body()).contains("event: error").contains("guardrail_blocked").contains("'hook-out'")
                .doesNotContain("message_stop");

        claude.answer("A whole " + FORBIDDEN + " answer.");
        HttpResponse<String> whole = gateway.post("/v1/messages", """
                {"model":"claude-judged","max_tokens":500,"messages":[{"role":"user","content":"tell me"}]}""");
        assertThat(whole.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(whole.body()).at("/error/code").asText()).isEqualTo("guardrail_blocked");
        assertNothingOfTheValue(whole.body());

        openai.chunkTexts(pieces(INTRO + "The secret: " + FORBIDDEN + " and the rest.", 7));
        HttpResponse<String> responses = gateway.post("/v1/responses", """
                {"model":"judged","store":false,"stream":true,"input":"tell me"}""");
        assertNothingOfTheValue(responses.body());
        assertThat(responses.body()).contains("event: response.failed").contains("blocked by guardrail 'hook-out'")
                .doesNotContain("response.completed");

        openai.answer("Responses " + FORBIDDEN);
        HttpResponse<String> responsesWhole = gateway.post("/v1/responses", """
                {"model":"judged","store":false,"input":"tell me"}""");
        assertThat(responsesWhole.statusCode()).isEqualTo(400);
        assertNothingOfTheValue(responsesWhole.body());
    }

    @Test
    void toolCallArgumentsAreJudgedWithTheAnswersEnd() throws Exception {
        openai.toolCalls(new FakeOpenAi.ToolCallSpec("call_1", "send", "{\"note\":\"" + FORBIDDEN + "\"}"));
        HttpResponse<String> streamed = chat("judged", "send it", true);
        assertNothingOfTheValue(streamed.body());
        assertThat(streamed.body()).contains("guardrail_blocked").contains("'hook-out'");
        assertThat(calls.getLast().get("texts").toString()).contains("falcon");

        openai.toolCalls(new FakeOpenAi.ToolCallSpec("call_2", "send", "{\"note\":\"fine\"}"));
        HttpResponse<String> whole = chat("judged", "send it", false);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(whole.body()).at("/choices/0/message/tool_calls/0/function/arguments").asText())
                .isEqualTo("{\"note\":\"fine\"}");
    }

    @Test
    void theWebhookSeesPlaceholdersAndTheCallerTheRestoredAnswer() throws Exception {
        String email = "jane.doe@example.com";
        openai.onRequest(json -> {
            String said = GuardrailsGatewayTest.lastUserText(json);
            if (said != null) {
                openai.chunkTexts(pieces("You said: " + said, 4));
            }
        });
        HttpResponse<String> r = chat("masked", "mail " + email + " today", true);
        assertThat(GuardrailsGatewayTest.streamedText(r.body())).isEqualTo("You said: mail " + email + " today");
        assertThat(calls).isNotEmpty();
        for (JsonNode call : calls) {
            assertThat(call.toString()).doesNotContain(email);
        }
        assertThat(calls.getLast().get("texts").get(0).asText()).isEqualTo("You said: mail <EMAIL_1> today");
    }
}
