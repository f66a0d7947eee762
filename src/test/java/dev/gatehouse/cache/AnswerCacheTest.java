package dev.gatehouse.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.usage.RequestLogStore;
import dev.gatehouse.usage.RequestRecord;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The answer cache through the running gateway, against strict fake upstreams that count what
 * reaches them: a second identical request is answered from the cache (stream and not, OpenAI and
 * Anthropic callers, passthrough and translated), and every rule that keeps a stored answer from
 * the wrong caller holds.
 */
class AnswerCacheTest {
    static FakeOpenAi openai;
    static FakeAnthropic anthropic;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        openai = FakeOpenAi.start();
        anthropic = FakeAnthropic.start();
        gateway = GatewayHarness.start("""
                providers:
                  oa: {kind: openai, base-url: "%s", api-key: %s}
                  an: {kind: anthropic, base-url: "%s", api-key: %s}
                models:
                  chat:
                    targets: [{provider: oa, model: gpt-4o}]
                  short:
                    targets: [{provider: oa, model: gpt-4o}]
                  claude:
                    targets: [{provider: an, model: claude-sonnet-4-5}]
                  embed:
                    type: embedding
                    targets: [{provider: oa, model: text-embedding-3-small}]
                cache:
                  enabled: true
                  model-ttl: {short: 400ms}
                  semantic: {embedding-model: embed, threshold: 0.97}
                """.formatted(openai.baseUrl(), FakeOpenAi.DEFAULT_KEY, anthropic.baseUrl(), FakeAnthropic.DEFAULT_KEY));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        openai.close();
        anthropic.close();
    }

    @BeforeEach
    void reset() {
        openai.reset();
        anthropic.reset();
    }

    static String unique() {
        return "question " + UUID.randomUUID();
    }

    static String chat(String model, String prompt, boolean stream) {
        return "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
    }

    static String messages(String model, String prompt, boolean stream) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":100," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
    }

    static HttpResponse<String> post(String path, String body, String... headers) {
        return postAs(GatewayHarness.MASTER_KEY, path, body, headers);
    }

    static HttpResponse<String> postAs(String key, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.origin() + path))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return gateway.send(b);
    }

    static String cache(HttpResponse<String> r) {
        return r.headers().firstValue("x-gatehouse-cache").orElse(null);
    }

    private static long chatRequests() {
        return openai.requests().stream().filter(r -> r.path().endsWith("/chat/completions")).count();
    }

    @Test
    void aSecondIdenticalChatIsAnsweredFromTheCache() {
        String body = chat("chat", unique(), false);
        HttpResponse<String> first = post("/v1/chat/completions", body);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(cache(first)).isEqualTo("MISS");
        HttpResponse<String> second = post("/v1/chat/completions", body);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(cache(second)).isEqualTo("HIT");
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(second.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(second.headers().firstValue("x-gatehouse-attempts")).hasValue("0");
        assertThat(second.headers().firstValue("x-gatehouse-model")).hasValue("gpt-4o");
        assertThat(chatRequests()).isEqualTo(1);
    }

    @Test
    void aStreamIsReplayedAsTheSameStream() {
        openai.chunkTexts("Hel", "lo ", "again");
        String body = chat("chat", unique(), true);
        HttpResponse<String> first = post("/v1/chat/completions", body);
        assertThat(cache(first)).isEqualTo("MISS");
        HttpResponse<String> second = post("/v1/chat/completions", body);
        assertThat(cache(second)).isEqualTo("HIT");
        assertThat(second.headers().firstValue("content-type")).hasValue("text/event-stream");
        // Raw SSE, byte for byte: the same events with the same framing, ending with [DONE].
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(second.body()).startsWith("data: {").contains("\"content\":\"Hel\"").endsWith("data: [DONE]\n\n");
        assertThat(chatRequests()).isEqualTo(1);
        // A stream and a whole answer are different answers: the non-stream request is a miss.
        assertThat(cache(post("/v1/chat/completions", body.replace("\"stream\":true,", "")))).isEqualTo("MISS");
    }

    @Test
    void messagesAreCachedStreamedAndNotOnPassthrough() {
        for (boolean stream : new boolean[] {false, true}) {
            anthropic.reset();
            String body = messages("claude", unique(), stream);
            HttpResponse<String> first = post("/v1/messages", body);
            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            assertThat(cache(first)).isEqualTo("MISS");
            HttpResponse<String> second = post("/v1/messages", body);
            assertThat(cache(second)).isEqualTo("HIT");
            assertThat(second.body()).isEqualTo(first.body());
            if (stream) {
                assertThat(second.body()).contains("event: message_start").contains("event: message_stop");
            }
            assertThat(anthropic.requests()).hasSize(1);
        }
    }

    @Test
    void translatedAnswersAreCachedInTheCallersFormat() {
        // An OpenAI caller of an Anthropic model, and an Anthropic caller of an OpenAI model.
        String toClaude = chat("claude", unique(), true);
        HttpResponse<String> first = post("/v1/chat/completions", toClaude);
        HttpResponse<String> second = post("/v1/chat/completions", toClaude);
        assertThat(cache(second)).isEqualTo("HIT");
        assertThat(second.body()).isEqualTo(first.body()).contains("chat.completion.chunk");
        assertThat(anthropic.requests()).hasSize(1);

        String toGpt = messages("chat", unique(), false);
        HttpResponse<String> a = post("/v1/messages", toGpt);
        HttpResponse<String> b = post("/v1/messages", toGpt);
        assertThat(cache(b)).isEqualTo("HIT");
        assertThat(b.body()).isEqualTo(a.body()).contains("\"type\":\"message\"");
        assertThat(chatRequests()).isEqualTo(1);
        // The same question in the other caller format is another answer (another wire format).
        assertThat(cache(post("/v1/chat/completions", chat("chat", toGpt.substring(toGpt.indexOf("question"),
                toGpt.indexOf("\"}]")), false)))).isEqualTo("MISS");
    }

    @Test
    void anyParameterChangeIsAMiss() {
        String prompt = unique();
        String base = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]";
        assertThat(cache(post("/v1/chat/completions", base + ",\"temperature\":0.2}"))).isEqualTo("MISS");
        assertThat(cache(post("/v1/chat/completions", base + ",\"temperature\":0.20}"))).isEqualTo("HIT"); // same number
        assertThat(cache(post("/v1/chat/completions", base + ",\"temperature\":0.3}"))).isEqualTo("MISS");
        assertThat(cache(post("/v1/chat/completions", base + ",\"temperature\":0.2,\"seed\":1}"))).isEqualTo("MISS");
        assertThat(cache(post("/v1/chat/completions", base + ",\"seed\":1,\"temperature\":0.2}"))).isEqualTo("HIT"); // key order
        assertThat(cache(post("/v1/chat/completions", base + ",\"temperature\":0.2,\"seed\":1,\"reasoning_effort\":\"low\"}")))
                .isEqualTo("MISS");
        assertThat(chatRequests()).isEqualTo(4);
    }

    @Test
    void cacheControlNoCacheNoStoreAndMaxAge() throws Exception {
        String body = chat("chat", unique(), false);
        openai.answer("first answer");
        assertThat(cache(post("/v1/chat/completions", body))).isEqualTo("MISS");
        // no-cache: not answered from the cache, but the fresh answer replaces the stored one.
        openai.answer("second answer");
        HttpResponse<String> fresh = post("/v1/chat/completions", body, "Cache-Control", "no-cache");
        assertThat(cache(fresh)).isEqualTo("MISS");
        assertThat(fresh.body()).contains("second answer");
        assertThat(post("/v1/chat/completions", body).body()).contains("second answer");
        // no-store: neither looked up nor stored.
        openai.answer("third answer");
        HttpResponse<String> unstored = post("/v1/chat/completions", body, "Cache-Control", "no-store");
        assertThat(cache(unstored)).isNull();
        assertThat(unstored.body()).contains("third answer");
        HttpResponse<String> after = post("/v1/chat/completions", body);
        assertThat(cache(after)).isEqualTo("HIT");
        assertThat(after.body()).contains("second answer");
        // max-age: a stored answer older than that is not good enough.
        Thread.sleep(1100);
        assertThat(cache(post("/v1/chat/completions", body, "Cache-Control", "max-age=60"))).isEqualTo("HIT");
        assertThat(cache(post("/v1/chat/completions", body, "Cache-Control", "max-age=1"))).isEqualTo("MISS");
        assertThat(chatRequests()).isEqualTo(4);
        // A malformed max-age is the caller's mistake, named.
        HttpResponse<String> bad = post("/v1/chat/completions", body, "Cache-Control", "max-age=soon");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("Cache-Control").contains("max-age");
    }

    @Test
    void namespacesDoNotShareAnswers() {
        String body = chat("chat", unique(), false);
        assertThat(cache(post("/v1/chat/completions", body, "x-gatehouse-cache-namespace", "app-a"))).isEqualTo("MISS");
        assertThat(cache(post("/v1/chat/completions", body, "x-gatehouse-cache-namespace", "app-b"))).isEqualTo("MISS");
        assertThat(cache(post("/v1/chat/completions", body))).isEqualTo("MISS");
        assertThat(cache(post("/v1/chat/completions", body, "x-gatehouse-cache-namespace", "app-a"))).isEqualTo("HIT");
        HttpResponse<String> bad = post("/v1/chat/completions", body, "x-gatehouse-cache-namespace", "has space");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("x-gatehouse-cache-namespace");
    }

    @Test
    void teamsNeverShareAnswers() {
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        String red = master.ok("POST", "/teams", "{\"name\":\"red-" + UUID.randomUUID() + "\"}").text("id");
        String blue = master.ok("POST", "/teams", "{\"name\":\"blue-" + UUID.randomUUID() + "\"}").text("id");
        String redKey = key(master, red);
        String redOtherKey = key(master, red);
        String blueKey = key(master, blue);
        String body = chat("chat", unique(), false);
        assertThat(cache(postAs(redKey, "/v1/chat/completions", body))).isEqualTo("MISS");
        assertThat(cache(postAs(blueKey, "/v1/chat/completions", body))).isEqualTo("MISS");
        assertThat(cache(postAs(redOtherKey, "/v1/chat/completions", body))).isEqualTo("HIT"); // the same team
        assertThat(chatRequests()).isEqualTo(2);
    }

    static String key(AdminClient master, String team) {
        String svc = master.ok("POST", "/service-accounts",
                "{\"name\":\"svc-" + UUID.randomUUID() + "\",\"team_id\":\"" + team + "\"}").text("id");
        return master.ok("POST", "/keys", "{\"owner_id\":\"" + svc + "\"}").text("key");
    }

    @Test
    void errorsAndCutStreamsAreNeverStored() {
        String body = chat("chat", unique(), false);
        // Two: the semantic lookup's embedding call fails first (the lookup is skipped), then the chat call.
        openai.failNext(2, Fault.error(400, "invalid_request_error", null, "nope", null));
        assertThat(post("/v1/chat/completions", body).statusCode()).isEqualTo(400);
        HttpResponse<String> next = post("/v1/chat/completions", body);
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(cache(next)).isEqualTo("MISS");

        String streamed = chat("chat", unique(), true);
        openai.chunks(6).failAlways(Fault.cutAfter(2));
        HttpResponse<String> cut = post("/v1/chat/completions", streamed);
        assertThat(cut.body()).doesNotContain("[DONE]");
        openai.clearFaults();
        assertThat(cache(post("/v1/chat/completions", streamed))).isEqualTo("MISS");
        assertThat(cache(post("/v1/chat/completions", streamed))).isEqualTo("HIT");
    }

    @Test
    void answersExpireAfterTheirModelsTtl() throws Exception {
        String body = chat("short", unique(), false);
        assertThat(cache(post("/v1/chat/completions", body))).isEqualTo("MISS");
        assertThat(cache(post("/v1/chat/completions", body))).isEqualTo("HIT");
        Thread.sleep(600);
        assertThat(cache(post("/v1/chat/completions", body))).isEqualTo("MISS");
        assertThat(chatRequests()).isEqualTo(2);
    }

    @Test
    void aHitCostsNothingAndIsLoggedWithWhatItSaved() throws Exception {
        openai.usage(1000, 500, 0, 0);
        String body = chat("chat", unique(), false);
        HttpResponse<String> first = post("/v1/chat/completions", body);
        HttpResponse<String> hit = post("/v1/chat/completions", body);
        assertThat(cache(hit)).isEqualTo("HIT");
        RequestLogStore store = gateway.gatehouse().requestLogging().store();
        RequestRecord miss = await(store, first.headers().firstValue("x-request-id").orElseThrow());
        RequestRecord cached = await(store, hit.headers().firstValue("x-request-id").orElseThrow());
        assertThat(miss.cache()).isEqualTo("MISS");
        assertThat(miss.costMicros()).isPositive();
        assertThat(cached.cache()).isEqualTo("HIT");
        assertThat(cached.costMicros()).isZero();
        assertThat(cached.inputTokens() + cached.outputTokens()).isZero();
        assertThat(cached.cacheSavedTokens()).isEqualTo(1500);
        assertThat(cached.cacheSavedMicros()).isEqualTo(miss.costMicros());
        assertThat(cached.provider()).isEqualTo("cache");
        assertThat(cached.model()).isEqualTo("gpt-4o");
        assertThat(cached.attempts()).isEmpty();
    }

    @Test
    void theSameQuestionWrittenDifferentlyIsASemanticHitAndAnotherQuestionIsNot() {
        String prompt = unique();
        String asString = chat("chat", prompt, false);
        String asParts = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\""
                + prompt + "\"}]}]}";
        assertThat(cache(post("/v1/chat/completions", asString))).isEqualTo("MISS");
        // Another body (content parts, not a string): not the exact key, but the same text embeds the same.
        HttpResponse<String> similar = post("/v1/chat/completions", asParts);
        assertThat(cache(similar)).startsWith("SEMANTIC_HIT; similarity=1.0");
        // Another question in the same partition: the fake embeds different text far apart.
        assertThat(cache(post("/v1/chat/completions", chat("chat", unique(), false)))).isEqualTo("MISS");
        // The same text with another temperature is another partition: never compared.
        assertThat(cache(post("/v1/chat/completions", asParts.replace("\"messages\"", "\"temperature\":0.9,\"messages\""))))
                .isEqualTo("MISS");
        assertThat(chatRequests()).isEqualTo(3);
    }

    @Test
    void aQuestionWithTheSameWordsInAnotherDirectionOrAnotherNumberIsNeverASemanticHit() {
        openai.bagOfWordsEmbeddings(); // reversed questions embed identically: similarity 1.0
        String topic = unique();
        String stored = "Convert 100 kilometers to miles for " + topic;
        assertThat(cache(post("/v1/chat/completions", chat("chat", stored, false)))).isEqualTo("MISS");
        // The same words, reversed: as close as vectors get, yet another question.
        assertThat(cache(post("/v1/chat/completions", chat("chat", "Convert 100 miles to kilometers for " + topic, false))))
                .isEqualTo("MISS");
        // The same question written differently (case, punctuation): a hit.
        assertThat(cache(post("/v1/chat/completions", chat("chat", "convert 100 KILOMETERS to miles, for " + topic + "!", false))))
                .startsWith("SEMANTIC_HIT; similarity=1.0");
        // Another number: another question.
        assertThat(cache(post("/v1/chat/completions", chat("chat", "Convert 200 kilometers to miles for " + topic, false))))
                .isEqualTo("MISS");
        assertThat(chatRequests()).isEqualTo(3);
    }

    static RequestRecord await(RequestLogStore store, String requestId) throws InterruptedException {
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
}
