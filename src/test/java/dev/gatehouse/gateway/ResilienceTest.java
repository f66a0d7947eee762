package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.RecordedRequest;
import dev.gatehouse.testing.SseCall;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The faults of issue 4 item 8 that {@link FailoverTest} and the circuit-breaker end-to-end test
 * do not already cover, each through the running gateway against fault-injecting fakes, each
 * asserting what the caller sees and how long it took: rate limits (no Retry-After, seconds, HTTP
 * date, reset headers, too long, longer than the deadline), key rotation, a 500 once, request
 * deadlines, a slow first token (OpenAI and Anthropic callers), context-window and content-policy
 * errors, fallback models (configured, caller header, policy), and broken streams after the first
 * byte: continuation across formats (prefill, rejected prefill, diverging restart, usage, the
 * official SDK), a malformed chunk, an in-band error, a half-sent tool call, and a finished answer
 * whose provider then hangs without {@code [DONE]}.
 *
 * <p>Persistent 503 with a low breaker threshold, and a target that is down for a while then
 * recovers, are covered by {@code routing.CircuitBreakerEndToEndTest}; TCP reset before headers,
 * a stall, a cut and a missing {@code [DONE]} on one target by {@link FailoverTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResilienceTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LIMITED_KEY = "sk-fake-rate-limited-key";
    static FakeOpenAi a;
    static FakeOpenAi b;
    static FakeOpenAi c;
    static FakeAnthropic claude;
    static GatewayHarness gateway;
    /** Same fakes, {@code routing.deadline: 500ms}. */
    static GatewayHarness deadlineGateway;

    @BeforeAll
    static void start() {
        a = FakeOpenAi.start();
        b = FakeOpenAi.start();
        c = FakeOpenAi.start();
        claude = FakeAnthropic.start();
        String providers = """
                providers:
                  a: {kind: openai, base-url: "%s", api-key: %s}
                  b: {kind: openai, base-url: "%s", api-key: %s}
                  c: {kind: openai, base-url: "%s", api-key: %s}
                  rot: {kind: openai, base-url: "%s", api-keys: [%s, %s]}
                  claude: {kind: anthropic, base-url: "%s", api-key: %s}
                """.formatted(a.baseUrl(), FakeOpenAi.DEFAULT_KEY, b.baseUrl(), FakeOpenAi.DEFAULT_KEY,
                c.baseUrl(), FakeOpenAi.DEFAULT_KEY, a.baseUrl(), LIMITED_KEY, FakeOpenAi.DEFAULT_KEY,
                claude.baseUrl(), FakeAnthropic.DEFAULT_KEY);
        gateway = GatewayHarness.start(providers + """
                routing:
                  # One fault per request on a shared gateway: keep the breakers out of the way.
                  circuit-breaker: {consecutive-failures: 1000, failure-rate: 100, window: 10000}
                  retries: {retry-after-cap: 2s}
                models:
                  solo:
                    timeouts: {first-byte: 300ms, idle: 300ms}
                    targets: [{provider: a, model: gpt-4o}]
                  pair:
                    timeouts: {first-byte: 300ms, idle: 300ms}
                    targets: [{provider: a, model: gpt-4o}, {provider: b, model: gpt-4o-mini}]
                  rotating:
                    targets: [{provider: rot, model: gpt-4o}]
                  ctx:
                    targets:
                      - {provider: a, model: gpt-4o, context-window: 8000}
                      - {provider: b, model: gpt-4o-mini, context-window: 4000}
                      - {provider: c, model: gpt-4.1, context-window: 128000}
                  ctx-mixed:
                    targets:
                      - {provider: a, model: gpt-4o, context-window: 8000}
                      - {provider: b, model: gpt-4o-mini}
                      - {provider: c, model: gpt-4o-mini, context-window: 4000}
                    fallbacks: [ctx-large]
                  ctx-large:
                    targets: [{provider: c, model: gpt-4.1, context-window: 128000}]
                  a-model:
                    targets: [{provider: a, model: gpt-4o}]
                    fallbacks: [b-model, c-model]
                  b-model:
                    targets: [{provider: b, model: gpt-4o-mini}]
                  c-model:
                    targets: [{provider: c, model: gpt-4.1}]
                  claude-first:
                    timeouts: {first-byte: 300ms, idle: 300ms}
                    targets: [{provider: claude, model: claude-sonnet-4-5}, {provider: b, model: gpt-4o-mini}]
                  cont:
                    timeouts: {first-byte: 2s, idle: 500ms}
                    targets: [{provider: a, model: gpt-4o}, {provider: claude, model: claude-sonnet-4-5}]
                """);
        deadlineGateway = GatewayHarness.start(providers + """
                routing:
                  deadline: 500ms
                  circuit-breaker: {consecutive-failures: 1000, failure-rate: 100, window: 10000}
                models:
                  solo:
                    targets: [{provider: a, model: gpt-4o}]
                  slow3:
                    timeouts: {first-byte: 300ms}
                    targets: [{provider: a, model: gpt-4o}, {provider: b, model: gpt-4o}, {provider: c, model: gpt-4o}]
                """);
        // Warm both gateways up (class loading, JIT, connection pools) so the timings below measure
        // the behaviour, not the first request of the JVM.
        for (int i = 0; i < 3; i++) {
            post(gateway, chat("solo", false));
            post(gateway, chat("rotating", true));
            post(gateway, chat("cont", true));
            post(deadlineGateway, chat("slow3", false));
            post(deadlineGateway, chat("solo", true));
        }
    }

    @AfterAll
    static void stop() {
        gateway.close();
        deadlineGateway.close();
        a.close();
        b.close();
        c.close();
        claude.close();
    }

    @BeforeEach
    void reset() {
        a.reset();
        b.reset();
        c.reset();
        claude.reset();
    }

    static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    static HttpResponse<String> post(GatewayHarness on, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(on.origin() + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        boolean auth = false;
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
            auth |= headers[i].equalsIgnoreCase("authorization");
        }
        if (!auth) {
            request.header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY);
        }
        return on.send(request);
    }

    static JsonNode error(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body()).path("error");
    }

    // ---- rate limits -------------------------------------------------------------------------

    @Test
    void rateLimitWithoutRetryAfterOnTheOnlyTargetIsPassedOnAtOnce() throws Exception {
        a.failNext(1, Fault.error(429, "requests", "rate_limit_exceeded",
                "Rate limit reached for gpt-4o on requests per min (RPM).", null));
        long start = System.nanoTime();
        HttpResponse<String> response = post(gateway, chat("solo", false));
        long ms = millisSince(start);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
        assertThat(error(response).path("message").asText()).contains("Rate limit reached");
        assertThat(a.requestCount()).as("no hint how long the limit lasts: not retried").isEqualTo(1);
        assertThat(ms).as("no waiting").isLessThan(500);
    }

    @Test
    void rateLimitWithAShortRetryAfterIsWaitedOutOnceThenAnswered() {
        a.failNext(1, Fault.rateLimited(1)); // 1 s, within retry-after-cap (2 s)
        long start = System.nanoTime();
        HttpResponse<String> response = post(gateway, chat("solo", false));
        long ms = millisSince(start);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-attempts")).hasValue("2");
        assertThat(a.requestCount()).isEqualTo(2);
        assertThat(ms).as("waited the provider's Retry-After").isGreaterThanOrEqualTo(1000).isLessThan(2500);
    }

    @Test
    void rateLimitWithAnHttpDateRetryAfterIsWaitedOut() {
        String date = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(2));
        a.failNext(1, Fault.error(429, "requests", "rate_limit_exceeded", "Rate limit reached.", null)
                .withHeader("retry-after", date)); // 1-2 s from now (whole seconds), within the cap
        long start = System.nanoTime();
        HttpResponse<String> response = post(gateway, chat("solo", false));
        long ms = millisSince(start);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(a.requestCount()).isEqualTo(2);
        assertThat(ms).isGreaterThanOrEqualTo(900).isLessThan(3000);
    }

    @Test
    void rateLimitWithOnlyTheProvidersResetHeaderIsWaitedOut() {
        a.failNext(1, Fault.error(429, "requests", "rate_limit_exceeded", "Rate limit reached.", null)
                .withHeader("x-ratelimit-remaining-requests", "0").withHeader("x-ratelimit-reset-requests", "1s")
                .withHeader("x-ratelimit-remaining-tokens", "9000").withHeader("x-ratelimit-reset-tokens", "6m0s"));
        long start = System.nanoTime();
        HttpResponse<String> response = post(gateway, chat("solo", false));
        long ms = millisSince(start);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(a.requestCount()).isEqualTo(2);
        assertThat(ms).isGreaterThanOrEqualTo(1000).isLessThan(2500);
    }

    @Test
    void rateLimitWithALongRetryAfterIsPassedOnWithItsRetryAfter() throws Exception {
        a.failNext(1, Fault.rateLimited(30)); // beyond retry-after-cap: the caller's to decide
        long start = System.nanoTime();
        HttpResponse<String> response = post(gateway, chat("solo", false));
        long ms = millisSince(start);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
        assertThat(response.headers().firstValue("retry-after")).hasValue("30");
        assertThat(error(response).path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(a.requestCount()).isEqualTo(1);
        assertThat(ms).isLessThan(500);
    }

    @Test
    void aRateLimitedKeyRotatesToTheProvidersNextKey() {
        a.failForKey(LIMITED_KEY, Fault.rateLimited(30));
        long start = System.nanoTime();
        HttpResponse<String> response = post(gateway, chat("rotating", false));
        long ms = millisSince(start);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-attempts")).hasValue("2");
        assertThat(a.requests()).extracting(r -> r.header("authorization"))
                .containsExactly("Bearer " + LIMITED_KEY, "Bearer " + FakeOpenAi.DEFAULT_KEY);
        assertThat(ms).as("rotation does not wait for the Retry-After (30 s)").isLessThan(1000);
    }

    @Test
    void whenEveryKeyIsRateLimitedThe429AndItsRetryAfterReachTheCaller() throws Exception {
        a.failForKey(LIMITED_KEY, Fault.rateLimited(30)).failAlways(Fault.rateLimited(20));
        long start = System.nanoTime();
        HttpResponse<String> response = post(gateway, chat("rotating", true));
        long ms = millisSince(start);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
        assertThat(response.headers().firstValue("retry-after")).hasValue("20");
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        assertThat(a.requestCount()).as("each key once, no waiting").isEqualTo(2);
        assertThat(ms).isLessThan(1000);
    }

    // ---- server errors -----------------------------------------------------------------------

    @Test
    void aServerErrorOnceOnTheOnlyTargetIsRetriedAndAnswered() throws Exception {
        a.failNext(1, Fault.serverError());
        long start = System.nanoTime();
        HttpResponse<String> response = post(gateway, chat("solo", false));
        long ms = millisSince(start);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-attempts")).hasValue("2");
        assertThat(JSON.readTree(response.body()).path("choices").path(0).path("message").path("content").asText())
                .isEqualTo(FakeOpenAi.DEFAULT_ANSWER);
        assertThat(a.requestCount()).isEqualTo(2);
        assertThat(ms).as("one jittered back-off of at most base-delay (200 ms)").isLessThan(1000);
    }

    // ---- deadlines ---------------------------------------------------------------------------

    @Test
    void theRequestDeadlineBoundsAPlanOfSlowTargets() throws Exception {
        for (FakeOpenAi fake : List.of(a, b, c)) {
            fake.headDelay(Duration.ofSeconds(3));
        }
        long start = System.nanoTime();
        HttpResponse<String> response = post(deadlineGateway, chat("slow3", false));
        long ms = millisSince(start);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(504);
        assertThat(error(response).path("code").asText()).isEqualTo("request_deadline_exceeded");
        assertThat(ms).as("3 targets × 300 ms first-byte would take 900 ms").isGreaterThanOrEqualTo(450).isLessThan(800);
        assertThat(c.requestCount()).as("the deadline hit during the second attempt").isZero();
    }

    @Test
    void aRetryAfterLongerThanWhatIsLeftOfTheDeadlineIsPassedOnAtOnce() throws Exception {
        a.failNext(1, Fault.rateLimited(1)); // within retry-after-cap, but the deadline is 500 ms
        long start = System.nanoTime();
        HttpResponse<String> response = post(deadlineGateway, chat("solo", false));
        long ms = millisSince(start);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
        assertThat(response.headers().firstValue("retry-after")).hasValue("1");
        assertThat(a.requestCount()).isEqualTo(1);
        assertThat(ms).as("not a 504 after sitting out the deadline").isLessThan(400);
    }

    @Test
    void theRequestDeadlineEndsALongStreamWithAnInBandError() throws Exception {
        a.chunks(30).chunkDelay(Duration.ofMillis(100));
        long start = System.nanoTime();
        try (SseCall call = SseCall.post(deadlineGateway, "/v1/chat/completions", chat("solo", true))) {
            assertThat(call.status()).isEqualTo(200);
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            FailoverTest.assertEndsWithInBandError(call);
            assertThat(call.events().getLast().path("error").path("code").asText()).isEqualTo("request_deadline_exceeded");
        }
        assertThat(millisSince(start)).isGreaterThanOrEqualTo(450).isLessThan(900);
        assertThat(a.awaitClientDisconnects(1, Duration.ofSeconds(2))).as("the upstream call is cancelled").isTrue();
    }

    @Test
    void aSlowFirstTokenOnAStreamFailsOverBeforeAnyByte() throws Exception {
        // The head and the role chunk come at once; the first content chunk only after 2 s.
        a.chunkDelay(Duration.ofSeconds(2));
        long start = System.nanoTime();
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("pair", true))) {
            assertThat(call.status()).isEqualTo(200);
            assertThat(call.headers().firstValue("x-gatehouse-provider")).hasValue("b");
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.dataLines().getLast().text()).isEqualTo("[DONE]");
            assertThat(call.events()).allSatisfy(e -> assertThat(e.path("model").asText()).isEqualTo("gpt-4o-mini"));
            assertThat(text(call.events())).isEqualTo(FakeOpenAi.DEFAULT_ANSWER);
            assertThat(roleChunks(call.events())).isEqualTo(1);
        }
        assertThat(millisSince(start)).as("first-byte deadline 300 ms + the fallback").isLessThan(1200);
    }

    @Test
    void aSlowFirstTokenOnAnAnthropicStreamFailsOverBeforeAnyByte() throws Exception {
        // Anthropic caller, Anthropic primary (bytes pass through): message_start at once, the first delta late.
        claude.firstTokenDelay(Duration.ofSeconds(2));
        String body = "{\"model\":\"claude-first\",\"max_tokens\":100,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        long start = System.nanoTime();
        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/messages"))
                .header("x-api-key", GatewayHarness.MASTER_KEY).header("anthropic-version", "2023-06-01")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
        long ms = millisSince(start);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        assertThat(response.headers().firstValue("x-gatehouse-model")).hasValue("gpt-4o-mini");
        assertThat(response.body()).containsOnlyOnce("event: message_start").contains("event: message_stop")
                .contains(FakeOpenAi.DEFAULT_ANSWER.split(" ")[1]).doesNotContain("event: error");
        assertThat(claude.requests()).hasSize(1);
        assertThat(ms).as("first-byte deadline 300 ms + the fallback").isLessThan(1200);
    }

    @Test
    void aMalformedChunkMidStreamIsContinuedOnTheFallback() throws Exception {
        a.chunkTexts(PIECES).failNext(1, Fault.malformedChunkAfter(3));
        b.answer(WHOLE);
        long start = System.nanoTime();
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("pair", true))) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertOneWellFormedStream(call, WHOLE);
        }
        assertThat(millisSince(start)).isLessThan(2000);
        assertThat(b.requestCount()).isEqualTo(1);
    }

    @Test
    void anInBandErrorMidStreamFromAnAnthropicPrimaryIsContinuedOnTheFallback() throws Exception {
        // message_start, content_block_start, ping, "Hello ", "from ", then event: error.
        claude.failNext(1, FakeAnthropic.Failure.inBand(5, "overloaded_error", "Overloaded"));
        b.answer(FakeAnthropic.DEFAULT_ANSWER);
        long start = System.nanoTime();
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("claude-first", true))) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertOneWellFormedStream(call, FakeAnthropic.DEFAULT_ANSWER);
        }
        assertThat(millisSince(start)).isLessThan(2000);
        assertThat(b.requestCount()).isEqualTo(1);
    }

    @Test
    void aStreamThatFinishedButThenHangsWithoutItsDoneIsFinalisedPromptly() throws Exception {
        // role, 3 pieces, the finish chunk, the usage chunk; then silence instead of [DONE].
        a.chunks(3).failNext(1, Fault.stallAfter(6));
        String body = "{\"model\":\"pair\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        long start = System.nanoTime();
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", body)) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertOneWellFormedStream(call, FakeOpenAi.DEFAULT_ANSWER);
            assertThat(call.events()).filteredOn(e -> e.path("usage").isObject()).hasSize(1);
        }
        assertThat(millisSince(start)).as("within the idle deadline (300 ms) and a margin").isLessThan(1200);
        assertThat(b.requestCount()).as("a finished answer needs no continuation").isZero();
    }

    // ---- a transient error keeps the requested model ----------------------------------------

    static Stream<Arguments> transientFaults() {
        return Stream.of(
                Arguments.of("500", Fault.serverError()),
                Arguments.of("503", Fault.overloaded()),
                Arguments.of("429 with Retry-After 1 s", Fault.rateLimited(1)),
                Arguments.of("reset before head", Fault.resetBeforeHead()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transientFaults")
    void aTransientErrorOnceIsRetriedOnTheSameTargetBeforeTheNext(String name, Fault fault) throws Exception {
        a.failNext(1, fault);
        HttpResponse<String> response = post(gateway, chat("pair", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("a");
        assertThat(JSON.readTree(response.body()).path("model").asText()).as("the model asked for").isEqualTo("gpt-4o");
        assertThat(response.headers().firstValue("x-gatehouse-attempts")).hasValue("2");
        assertThat(a.requestCount()).isEqualTo(2);
        assertThat(b.requestCount()).isZero();
    }

    @ParameterizedTest(name = "stream, {0}")
    @MethodSource("transientFaults")
    void aTransientErrorOnceOnAStreamIsRetriedOnTheSameTargetBeforeAnyByte(String name, Fault fault) throws Exception {
        a.failNext(1, fault);
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("pair", true))) {
            assertThat(call.status()).isEqualTo(200);
            assertThat(call.headers().firstValue("x-gatehouse-provider")).hasValue("a");
            call.readAll(Duration.ofSeconds(5));
            assertOneWellFormedStream(call, FakeOpenAi.DEFAULT_ANSWER);
            assertThat(call.events()).allSatisfy(e -> assertThat(e.path("model").asText()).isEqualTo("gpt-4o"));
        }
        assertThat(b.requestCount()).isZero();
    }

    @Test
    void aTargetThatFailsTwiceIsRetriedOnceThenTheNextAnswers() throws Exception {
        a.failNext(2, Fault.serverError());
        HttpResponse<String> response = post(gateway, chat("pair", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        assertThat(response.headers().firstValue("x-gatehouse-attempts")).hasValue("3");
        assertThat(a.requestCount()).isEqualTo(2);
        assertThat(b.requestCount()).isEqualTo(1);
    }

    @Test
    void aRateLimitLongerThanTheCapMovesOnAtOnce() throws Exception {
        a.failNext(1, Fault.rateLimited(30)); // beyond retry-after-cap (2 s)
        long start = System.nanoTime();
        HttpResponse<String> response = post(gateway, chat("pair", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        assertThat(a.requestCount()).isEqualTo(1);
        assertThat(millisSince(start)).as("no waiting").isLessThan(1000);
    }

    @Test
    void aSlowFirstByteIsNotRetriedOnTheSameTarget() throws Exception {
        a.failNext(1, Fault.stallAfter(0));
        HttpResponse<String> response = post(gateway, chat("pair", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        assertThat(a.requestCount()).isEqualTo(1);
    }

    // ---- errors with special handling --------------------------------------------------------

    @Test
    void contextLengthGoesOnlyToATargetWithALargerWindow() throws Exception {
        a.failNext(1, Fault.contextLengthExceeded());
        long start = System.nanoTime();
        HttpResponse<String> response = post(gateway, chat("ctx", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("c");
        assertThat(JSON.readTree(response.body()).path("model").asText()).isEqualTo("gpt-4.1");
        assertThat(a.requestCount()).isEqualTo(1);
        assertThat(b.requestCount()).as("a 4000-token window is smaller than the 8000 that overflowed").isZero();
        assertThat(c.requestCount()).isEqualTo(1);
        assertThat(millisSince(start)).isLessThan(1000);
    }

    @Test
    void afterAContextLengthErrorAKnownLargerWindowOfAFallbackModelComesBeforeAnUnknownOne() throws Exception {
        a.failNext(1, Fault.contextLengthExceeded());
        HttpResponse<String> response = post(gateway, chat("ctx-mixed", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-model")).hasValue("gpt-4.1");
        assertThat(b.requestCount()).as("unknown window: only after the known larger one").isZero();
        assertThat(c.requests()).extracting(r -> r.json().path("model").asText()).containsExactly("gpt-4.1");
    }

    @Test
    void anUnknownWindowIsTriedOnceAndAKnownSmallerOneIsSkipped() throws Exception {
        a.failNext(1, Fault.contextLengthExceeded());
        c.failNext(1, Fault.contextLengthExceeded());
        HttpResponse<String> response = post(gateway, chat("ctx-mixed", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        assertThat(c.requests()).as("the 4000-token target is skipped").extracting(r -> r.json().path("model").asText())
                .containsExactly("gpt-4.1");

        a.failNext(1, Fault.contextLengthExceeded());
        b.failNext(1, Fault.contextLengthExceeded());
        c.failNext(1, Fault.contextLengthExceeded());
        HttpResponse<String> none = post(gateway, chat("ctx-mixed", false));
        assertThat(none.statusCode()).as(none.body()).isEqualTo(400);
        assertThat(error(none).path("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(none.headers().firstValue("x-gatehouse-attempts")).hasValue("3");
        assertThat(b.requestCount()).as("tried once per call").isEqualTo(2);
    }

    @Test
    void contentPolicyIsNotRetriedAndTheProvidersReasonReachesTheCaller() throws Exception {
        String reason = "Your request was rejected as a result of our safety system. Your prompt may contain text "
                + "that is not allowed by our safety system.";
        a.failNext(1, Fault.error(400, "invalid_request_error", "content_policy_violation", reason, null));
        long start = System.nanoTime();
        HttpResponse<String> response = post(gateway, chat("pair", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(error(response).path("message").asText()).contains(reason);
        assertThat(a.requestCount()).isEqualTo(1);
        assertThat(b.requestCount()).isZero();
        assertThat(millisSince(start)).isLessThan(1000);
    }

    // ---- fallback models ---------------------------------------------------------------------

    @Test
    void whenEveryTargetOfAModelFailsItsFallbackModelAnswers() throws Exception {
        a.failAlways(Fault.overloaded());
        long start = System.nanoTime();
        HttpResponse<String> response = post(gateway, chat("a-model", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-model")).hasValue("gpt-4o-mini");
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        assertThat(response.headers().firstValue("x-gatehouse-attempts")).hasValue("3");
        assertThat(JSON.readTree(response.body()).path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(a.requestCount()).as("retried once (the model asked for), then the fallback model").isEqualTo(2);
        assertThat(c.requestCount()).isZero();
        assertThat(millisSince(start)).isLessThan(1000);
    }

    @Test
    void theCallersFallbackHeaderIsTriedBeforeTheConfiguredFallbacks() {
        a.failAlways(Fault.overloaded());
        HttpResponse<String> response = post(gateway, chat("a-model", false), Gateway.FALLBACKS_HEADER, "c-model");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-model")).hasValue("gpt-4.1");
        assertThat(b.requestCount()).isZero();
        assertThat(c.requestCount()).isEqualTo(1);
    }

    @Test
    void aFallbackTheCallersPolicyDoesNotAllowIsSkipped() {
        AdminClient admin = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String team = admin.ok("POST", "/teams", "{\"name\":\"t-" + suffix + "\"}").text("id");
        String user = admin.ok("POST", "/users", "{\"name\":\"U\",\"email\":\"u-" + suffix + "@example.com\",\"team_id\":\""
                + team + "\",\"role\":\"member\"}").text("id");
        String policy = admin.ok("POST", "/policies", "{\"name\":\"no-b-" + suffix + "\",\"models\":[\"a-model\",\"c-model\"]}")
                .text("id");
        String key = admin.ok("POST", "/keys", "{\"owner_id\":\"" + user + "\",\"policies\":[\"" + policy + "\"]}").text("key");

        a.failAlways(Fault.overloaded());
        HttpResponse<String> response = post(gateway, chat("a-model", false), "Authorization", "Bearer " + key);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-model")).as("b-model is skipped").hasValue("gpt-4.1");
        assertThat(b.requestCount()).isZero();
        assertThat(c.requestCount()).isEqualTo(1);

        // The caller cannot widen its access by naming a denied model in the header either.
        HttpResponse<String> viaHeader = post(gateway, chat("a-model", false), "Authorization", "Bearer " + key,
                Gateway.FALLBACKS_HEADER, "b-model");
        assertThat(viaHeader.statusCode()).as(viaHeader.body()).isEqualTo(200);
        assertThat(viaHeader.headers().firstValue("x-gatehouse-model")).hasValue("gpt-4.1");
        assertThat(b.requestCount()).isZero();
    }

    // ---- mid-stream continuation -------------------------------------------------------------

    static final String[] PIECES = {"The quick ", "brown fox ", "jumps over ", "the lazy dog."};
    static final String DELIVERED = "The quick brown fox "; // role chunk + two content chunks
    static final String WHOLE = "The quick brown fox jumps over the lazy dog.";

    /** The primary streams the role chunk and two pieces, then its connection drops. */
    static void primaryCutsAfterTwoPieces() {
        a.chunkTexts(PIECES).failNext(1, Fault.cutAfter(3));
    }

    @Test
    void aStreamCutMidAnswerIsContinuedByPrefillOnAnAnthropicFallback() throws Exception {
        primaryCutsAfterTwoPieces();
        claude.answer(" jumps over the lazy dog."); // what the model continues "…brown fox" with
        long start = System.nanoTime();
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("cont", true))) {
            assertThat(call.status()).isEqualTo(200);
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertOneWellFormedStream(call, WHOLE);
        }
        assertThat(millisSince(start)).isLessThan(2000);
        assertThat(claude.requests()).hasSize(1);
        JsonNode messages = claude.lastRequest().json().path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        assertThat(last.path("role").asText()).isEqualTo("assistant");
        // Exactly what was delivered, less the trailing space Anthropic refuses at the end of a prefill.
        assertThat(textOf(last.path("content"))).isEqualTo(DELIVERED.stripTrailing());
        assertThat(messages.get(messages.size() - 2).path("role").asText()).isEqualTo("user");
    }

    /** A Responses caller's stream cut mid-answer is continued in the same response: one grammar, rising sequence numbers. */
    @Test
    void aResponsesCallersStreamCutMidAnswerIsContinuedInTheSameResponse() throws Exception {
        primaryCutsAfterTwoPieces();
        claude.answer(" jumps over the lazy dog.");
        String id;
        try (SseCall call = SseCall.post(gateway, "/v1/responses", "{\"model\":\"cont\",\"input\":\"hi\",\"stream\":true}")) {
            assertThat(call.status()).isEqualTo(200);
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            List<JsonNode> events = call.events();
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i).path("sequence_number").asInt()).as("sequence_number of event %d", i).isEqualTo(i);
            }
            assertThat(events).filteredOn(e -> e.path("type").asText().equals("response.created")).hasSize(1);
            assertThat(events).filteredOn(e -> e.path("type").asText().equals("response.output_item.added")).hasSize(1);
            assertThat(events).noneMatch(e -> e.path("type").asText().equals("response.failed"));
            StringBuilder text = new StringBuilder();
            events.stream().filter(e -> e.path("type").asText().equals("response.output_text.delta"))
                    .forEach(e -> text.append(e.path("delta").asText()));
            assertThat(text.toString()).isEqualTo(WHOLE);
            JsonNode completed = events.getLast();
            assertThat(completed.path("type").asText()).isEqualTo("response.completed");
            assertThat(completed.path("response").path("output").path(0).path("content").path(0).path("text").asText()).isEqualTo(WHOLE);
            id = completed.path("response").path("id").asText();
        }
        // The stored response is the whole, continued answer.
        JsonNode stored = JSON.readTree(gateway.get("/v1/responses/" + id).body());
        assertThat(stored.path("output").path(0).path("content").path(0).path("text").asText()).isEqualTo(WHOLE);
    }

    static String messages(String model) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":100,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    /**
     * One Anthropic event stream: a single message_start and text block, the whole answer in its
     * text deltas, no error event, and message_delta then message_stop at the end.
     */
    static void assertOneAnthropicStream(SseCall call, String answer) {
        List<JsonNode> events = call.events();
        assertThat(events).filteredOn(e -> e.path("type").asText().equals("message_start")).hasSize(1);
        assertThat(events.getFirst().path("type").asText()).isEqualTo("message_start");
        assertThat(events).filteredOn(e -> e.path("type").asText().equals("content_block_start")).hasSize(1);
        assertThat(events).noneMatch(e -> e.path("type").asText().equals("error"));
        StringBuilder text = new StringBuilder();
        events.stream().filter(e -> e.path("type").asText().equals("content_block_delta"))
                .forEach(e -> text.append(e.path("delta").path("text").asText("")));
        assertThat(text.toString()).isEqualTo(answer);
        assertThat(events.get(events.size() - 2).path("type").asText()).isEqualTo("message_delta");
        assertThat(events.getLast().path("type").asText()).isEqualTo("message_stop");
        assertThat(events).filteredOn(e -> e.path("type").asText().equals("message_stop")).hasSize(1);
    }

    @Test
    void anAnthropicCallersStreamCutMidAnswerIsContinuedByPrefillInTheSameMessage() throws Exception {
        primaryCutsAfterTwoPieces(); // an OpenAI-format primary, translated to Anthropic events
        claude.answer(" jumps over the lazy dog.");
        try (SseCall call = SseCall.post(gateway, "/v1/messages", messages("cont"))) {
            assertThat(call.status()).isEqualTo(200);
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertOneAnthropicStream(call, WHOLE);
        }
        assertThat(claude.requests()).hasSize(1);
        JsonNode sent = claude.lastRequest().json().path("messages");
        JsonNode last = sent.get(sent.size() - 1);
        assertThat(last.path("role").asText()).isEqualTo("assistant");
        assertThat(textOf(last.path("content"))).isEqualTo(DELIVERED.stripTrailing());
    }

    @Test
    void anAnthropicCallersStreamCutMidAnswerIsContinuedByRestartOnAnOpenAiFallback() throws Exception {
        primaryCutsAfterTwoPieces();
        b.chunkTexts(PIECES); // the fallback answers from scratch; only the undelivered rest is passed on
        try (SseCall call = SseCall.post(gateway, "/v1/messages", messages("pair"))) {
            assertThat(call.status()).isEqualTo(200);
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertOneAnthropicStream(call, WHOLE);
        }
        assertThat(b.requestCount()).as("the fallback continued the answer").isEqualTo(1);
    }

    @Test
    void aContinuedStreamCarriesOneUsageChunkWithTheContinuationsUsage() throws Exception {
        primaryCutsAfterTwoPieces(); // cut before its usage chunk: the primary reported none
        claude.answer(" jumps over the lazy dog.").usage(25, 0, 0);
        String body = "{\"model\":\"cont\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", body)) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertOneWellFormedStream(call, WHOLE);
            List<JsonNode> usage = call.events().stream().filter(e -> e.path("usage").isObject()).toList();
            assertThat(usage).hasSize(1);
            JsonNode u = usage.getFirst().path("usage");
            assertThat(u.path("prompt_tokens").asInt()).isEqualTo(25);
            assertThat(u.path("total_tokens").asInt()).isEqualTo(u.path("prompt_tokens").asInt() + u.path("completion_tokens").asInt());
            assertThat(usage.getFirst().path("choices").size()).isZero();
            assertThat(call.events().getLast()).isEqualTo(usage.getFirst());
        }
    }

    @Test
    void aFallbackThatRejectsPrefillIsRestartedAndOnlyTheUndeliveredRestIsSent() throws Exception {
        primaryCutsAfterTwoPieces();
        claude.rejectPrefill(true).answer("The quick brown fox jumps over the lazy dog.");
        long start = System.nanoTime();
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("cont", true))) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertOneWellFormedStream(call, WHOLE);
        }
        assertThat(millisSince(start)).isLessThan(2000);
        List<RecordedRequest> asked = claude.requests();
        assertThat(asked).hasSize(2);
        assertThat(lastRole(asked.get(0))).as("first with prefill").isEqualTo("assistant");
        assertThat(lastRole(asked.get(1))).as("then restarted without").isEqualTo("user");
    }

    @Test
    void aRestartThatDivergesFromWhatWasDeliveredEndsWithAnInBandError() throws Exception {
        primaryCutsAfterTwoPieces();
        b.answer("A completely different answer.");
        long start = System.nanoTime();
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("pair", true))) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            FailoverTest.assertEndsWithInBandError(call);
            assertThat(text(call.events())).as("nothing of the diverging answer is spliced in").isEqualTo(DELIVERED);
        }
        assertThat(millisSince(start)).isLessThan(2000);
        assertThat(b.requestCount()).as("bounded: the restart and one retry of the last target").isBetween(1, 2);
    }

    @Test
    void aStreamCutInTheMiddleOfAToolCallEndsWithAnInBandErrorInsteadOfBeingSpliced() throws Exception {
        // Tool call head, then half its arguments, then the connection drops.
        a.toolCalls(new FakeOpenAi.ToolCallSpec("call_1", "get_weather", "{\"city\":\"Paris\"}"))
                .failNext(1, Fault.cutAfter(2));
        long start = System.nanoTime();
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("pair", true))) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            FailoverTest.assertEndsWithInBandError(call);
        }
        assertThat(millisSince(start)).isLessThan(1500);
        assertThat(b.requestCount()).as("half a tool call cannot be resumed faithfully").isZero();
    }

    @Test
    void theOfficialSdkSeesAContinuedStreamAsNormal() {
        claude.answer(" jumps over the lazy dog.");
        com.openai.client.OpenAIClient client = com.openai.client.okhttp.OpenAIOkHttpClient.builder()
                .baseUrl(gateway.baseUrl()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(10)).maxRetries(0).build();
        var params = com.openai.models.chat.completions.ChatCompletionCreateParams.builder()
                .model("cont").addUserMessage("hi").build();
        try (var warmUp = client.chat().completions().createStreaming(params)) {
            warmUp.stream().forEach(chunk -> { }); // the SDK's first use loads a lot of classes: not what is timed
        }
        a.reset().chunkTexts(PIECES).failNext(1, Fault.cutAfter(3));
        StringBuilder text = new StringBuilder();
        List<String> ids = new ArrayList<>();
        List<String> finishes = new ArrayList<>();
        long start = System.nanoTime();
        try (var stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                ids.add(chunk.id());
                chunk.choices().forEach(choice -> {
                    choice.delta().content().ifPresent(text::append);
                    choice.finishReason().ifPresent(f -> finishes.add(f.asString()));
                });
            });
        }
        assertThat(text.toString()).isEqualTo(WHOLE);
        assertThat(ids).isNotEmpty().allMatch(id -> id.equals(ids.getFirst()));
        assertThat(finishes).containsExactly("stop");
        assertThat(millisSince(start)).isLessThan(3000);
    }

    // ---- helpers -----------------------------------------------------------------------------

    static void assertOneWellFormedStream(SseCall call, String expectedText) {
        List<SseCall.Line> data = call.dataLines();
        assertThat(data.getLast().text()).isEqualTo("[DONE]");
        assertThat(data.stream().filter(l -> l.text().equals("[DONE]")).count()).isEqualTo(1);
        List<JsonNode> events = call.events();
        assertThat(events).noneMatch(e -> e.has("error"));
        assertThat(text(events)).isEqualTo(expectedText);
        assertThat(roleChunks(events)).as("a single role chunk").isEqualTo(1);
        String id = events.getFirst().path("id").asText();
        assertThat(id).isNotBlank();
        assertThat(events).allSatisfy(e -> assertThat(e.path("id").asText()).isEqualTo(id));
        List<String> finishes = new ArrayList<>();
        events.forEach(e -> e.path("choices").forEach(ch -> {
            if (ch.path("finish_reason").isTextual()) {
                finishes.add(ch.path("finish_reason").asText());
            }
        }));
        assertThat(finishes).containsExactly("stop");
    }

    static String text(List<JsonNode> events) {
        StringBuilder sb = new StringBuilder();
        events.forEach(e -> e.path("choices").forEach(ch -> sb.append(ch.path("delta").path("content").asText(""))));
        return sb.toString();
    }

    static long roleChunks(List<JsonNode> events) {
        return events.stream().filter(e -> e.path("choices").path(0).path("delta").has("role")).count();
    }

    static String textOf(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        content.forEach(block -> sb.append(block.path("text").asText("")));
        return sb.toString();
    }

    static String lastRole(RecordedRequest request) {
        JsonNode messages = request.json().path("messages");
        return messages.get(messages.size() - 1).path("role").asText();
    }
}
