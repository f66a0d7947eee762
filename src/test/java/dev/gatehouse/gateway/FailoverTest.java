package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.SseCall;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Failover before the first byte, errors that must not be retried, deadlines (first byte, idle),
 * and broken streams after the first byte, all through the running gateway against two fakes.
 */
class FailoverTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static FakeOpenAi a;
    static FakeOpenAi b;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() throws IOException {
        a = FakeOpenAi.start();
        b = FakeOpenAi.start();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        gateway = GatewayHarness.start("""
                providers:
                  a: {kind: openai, base-url: "%s", api-key: %s}
                  b: {kind: openai, base-url: "%s", api-key: %s}
                  dead: {kind: openai, base-url: "http://127.0.0.1:%d/v1", api-key: %s}
                routing:
                  # These tests inject failures one request at a time on a shared gateway: keep the
                  # circuit breakers (tested in CircuitBreakerEndToEndTest) from taking targets out.
                  circuit-breaker: {consecutive-failures: 1000, failure-rate: 100, window: 10000}
                  # Failover itself: move on at once (the default retries the same target first, see ResilienceTest).
                  retries: {prefer: next-target}
                models:
                  pair:
                    timeouts: {first-byte: 300ms, idle: 300ms}
                    targets: [{provider: a, model: gpt-4o}, {provider: b, model: gpt-4o-mini}]
                  solo:
                    timeouts: {first-byte: 300ms, idle: 300ms}
                    targets: [{provider: a, model: gpt-4o}]
                  short:
                    timeouts: {total: 700ms}
                    targets: [{provider: a, model: gpt-4o}]
                  steady:
                    timeouts: {first-byte: 2s, idle: 300ms}
                    targets: [{provider: a, model: gpt-4o}]
                  emb-pair:
                    type: embedding
                    targets: [{provider: a, model: text-embedding-3-small}, {provider: b, model: text-embedding-3-small}]
                  dead-first:
                    targets: [{provider: dead, model: gpt-4o}, {provider: b, model: gpt-4o-mini}]
                """.formatted(a.baseUrl(), FakeOpenAi.DEFAULT_KEY, b.baseUrl(), FakeOpenAi.DEFAULT_KEY,
                closedPort, FakeOpenAi.DEFAULT_KEY));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        a.close();
        b.close();
    }

    @BeforeEach
    void reset() {
        a.reset();
        b.reset();
    }

    static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    static Stream<Arguments> retryableFaults() {
        return Stream.of(
                Arguments.of("500", Fault.serverError()),
                Arguments.of("503", Fault.overloaded()),
                Arguments.of("429", Fault.rateLimited(1)),
                Arguments.of("reset before head", Fault.resetBeforeHead()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("retryableFaults")
    void failsOverBeforeFirstByte(String name, Fault fault) throws Exception {
        a.failNext(1, fault);
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("pair", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        assertThat(JSON.readTree(response.body()).path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(a.requestCount()).isEqualTo(1);
        assertThat(b.requestCount()).isEqualTo(1);
    }

    @ParameterizedTest(name = "stream, {0}")
    @MethodSource("retryableFaults")
    void streamFailsOverBeforeFirstByte(String name, Fault fault) throws Exception {
        a.failNext(1, fault);
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("pair", true))) {
            assertThat(call.status()).isEqualTo(200);
            assertThat(call.headers().firstValue("x-gatehouse-provider")).hasValue("b");
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertThat(call.dataLines().getLast().text()).isEqualTo("[DONE]");
            assertThat(call.events()).allSatisfy(e -> assertThat(e.path("model").asText()).isEqualTo("gpt-4o-mini"));
        }
    }

    @Test
    void rejectedProviderKeyFailsOverAndIsTheOperatorsProblemWhenAlone() throws Exception {
        a.failNext(1, Fault.error(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-f****", null));
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("pair", false));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");

        a.failNext(1, Fault.error(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-f****", null));
        HttpResponse<String> alone = gateway.post("/v1/chat/completions", chat("solo", false));
        // Not 401: the caller's own key was fine; the gateway's provider key is not.
        assertThat(alone.statusCode()).isEqualTo(502);
        assertOpenAiError(alone);
        assertThat(JSON.readTree(alone.body()).path("error").path("code").asText()).isEqualTo("upstream_auth_failed");
    }

    @Test
    void streamedRequestRefusedUpstreamGetsAPlainJsonError() throws Exception {
        a.failNext(1, Fault.error(400, "invalid_request_error", "invalid_value", "Invalid 'tools[0].function.name'.", "tools[0].function.name"));
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("solo", true));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        assertOpenAiError(response);
        assertThat(JSON.readTree(response.body()).path("error").path("param").asText()).isEqualTo("tools[0].function.name");
    }

    @Test
    void embeddingsFailOverToo() throws Exception {
        a.failNext(1, Fault.overloaded());
        HttpResponse<String> response = gateway.post("/v1/embeddings", "{\"model\":\"emb-pair\",\"input\":\"x\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        assertThat(JSON.readTree(response.body()).path("data").path(0).path("embedding").size()).isEqualTo(8);
    }

    @Test
    void connectionRefusedFailsOver() {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("dead-first", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");
    }

    @Test
    void badRequestIsNotRetried() throws Exception {
        a.failNext(1, Fault.error(400, "invalid_request_error", "invalid_value",
                "Invalid value for 'temperature': must be at most 2.", "temperature"));
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("pair", false));
        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("message").asText()).contains("Invalid value for 'temperature': must be at most 2.");
        assertThat(error.path("param").asText()).isEqualTo("temperature");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(b.requestCount()).isZero();
    }

    @Test
    void contextLengthIsNotRetriedOnItsTargetButTriedOnceOnATargetOfUnknownWindow() throws Exception {
        a.failNext(1, Fault.contextLengthExceeded());
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("pair", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        assertThat(a.requestCount()).isEqualTo(1);
        assertThat(b.requestCount()).isEqualTo(1);

        a.failNext(1, Fault.contextLengthExceeded());
        b.failNext(1, Fault.contextLengthExceeded());
        HttpResponse<String> both = gateway.post("/v1/chat/completions", chat("pair", false));
        assertThat(both.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(both.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(error.path("param").asText()).isEqualTo("messages");
        assertThat(a.requestCount()).as("never retried on the target that overflowed").isEqualTo(2);
        assertThat(b.requestCount()).isEqualTo(2);
    }

    @Test
    void everyTargetRateLimitedGives429WithRetryAfter() throws Exception {
        a.failAlways(Fault.rateLimited(7));
        b.failAlways(Fault.rateLimited(7));
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("pair", false));
        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("retry-after")).hasValue("7");
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(error.has("param")).isTrue();
        assertThat(a.requestCount()).isEqualTo(1);
        assertThat(b.requestCount()).isEqualTo(1);
    }

    @Test
    void firstByteTimeoutFailsOver() {
        a.headDelay(Duration.ofMillis(2000));
        long start = System.nanoTime();
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("pair", false));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        assertThat(ms).isLessThan(1500);
    }

    @Test
    void firstByteTimeoutOnStreamFailsOver() throws Exception {
        a.headDelay(Duration.ofMillis(2000));
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("pair", true))) {
            assertThat(call.status()).isEqualTo(200);
            assertThat(call.headers().firstValue("x-gatehouse-provider")).hasValue("b");
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.dataLines().getLast().text()).isEqualTo("[DONE]");
        }
    }

    @Test
    void firstByteTimeoutWithNoTargetLeftIs504() throws Exception {
        a.headDelay(Duration.ofMillis(2000));
        long start = System.nanoTime();
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("solo", false));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(response.statusCode()).isEqualTo(504);
        // The first-byte deadline (300 ms) plus a margin; a timed-out target is not retried.
        assertThat(ms).isLessThan(1000);
        assertThat(a.requestCount()).isEqualTo(1);
        assertOpenAiError(response);
        assertThat(JSON.readTree(response.body()).path("error").path("code").asText()).isEqualTo("upstream_timeout");
    }

    @Test
    void idleTimeoutMidStreamIsContinuedOnTheFallback() throws Exception {
        a.chunks(5).chunkDelay(Duration.ofMillis(20)).failNext(1, Fault.stallAfter(3));
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("pair", true))) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).as("the gateway ends the stream").isTrue();
            // b restarts the answer; only the part a had not delivered reaches the caller, once.
            StringBuilder answer = new StringBuilder();
            call.events().forEach(event -> event.path("choices").forEach(
                    choice -> answer.append(choice.path("delta").path("content").asText(""))));
            assertThat(answer.toString()).isEqualTo(FakeOpenAi.DEFAULT_ANSWER);
            assertThat(call.dataLines().getLast().text()).isEqualTo("[DONE]");
            assertThat(call.events()).noneMatch(event -> event.has("error"));
        }
        assertThat(b.requestCount()).as("the fallback continued the answer").isEqualTo(1);
    }

    @Test
    void idleTimeoutMidStreamWithoutFallbackEndsWithInBandError() throws Exception {
        a.chunks(5).chunkDelay(Duration.ofMillis(20)).failAlways(Fault.stallAfter(3));
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("solo", true))) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).as("the gateway ends the stalled stream").isTrue();
            assertEndsWithInBandError(call);
        }
    }

    /**
     * Gaps of 2/3 of the idle deadline, for several idle periods: never a stall. (The idle
     * deadline re-arms for the time left; it used to compare the next gap with that remainder
     * instead of the configured deadline, so steady gaps ended in a false "stalled".)
     */
    @Test
    void aStreamWhoseGapsStayUnderTheIdleDeadlineIsNotCutAsStalled() throws Exception {
        a.chunks(10).chunkDelay(Duration.ofMillis(200));
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("steady", true))) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertThat(call.events()).noneMatch(event -> event.has("error"));
            assertThat(call.dataLines().getLast().text()).isEqualTo("[DONE]");
        }
        assertThat(b.requestCount()).isZero();
    }

    @Test
    void totalDeadlineMidStreamEndsWithInBandError() throws Exception {
        a.chunks(30).chunkDelay(Duration.ofMillis(100));
        long start = System.nanoTime();
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("short", true))) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertEndsWithInBandError(call);
            assertThat(call.events().getLast().path("error").path("code").asText()).isEqualTo("upstream_timeout");
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2000);
        assertThat(a.awaitClientDisconnects(1, Duration.ofSeconds(2))).as("upstream cancelled").isTrue();
    }

    @Test
    void streamHeadWithoutAnyEventCountsAsNoFirstByte() throws Exception {
        a.failNext(1, Fault.stallAfter(0));
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("pair", true))) {
            assertThat(call.status()).isEqualTo(200);
            assertThat(call.headers().firstValue("x-gatehouse-provider")).hasValue("b");
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.dataLines().getLast().text()).isEqualTo("[DONE]");
        }
        a.failNext(1, Fault.stallAfter(0));
        HttpResponse<String> alone = gateway.post("/v1/chat/completions", chat("solo", true));
        assertThat(alone.statusCode()).isEqualTo(504);
        assertOpenAiError(alone);
    }

    @Test
    void officialSdkSeesACutStreamAsAnError() {
        a.chunks(5).failAlways(Fault.cutAfter(3));
        com.openai.client.OpenAIClient client = com.openai.client.okhttp.OpenAIOkHttpClient.builder()
                .baseUrl(gateway.baseUrl()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(10)).maxRetries(0).build();
        var params = com.openai.models.chat.completions.ChatCompletionCreateParams.builder()
                .model("solo").addUserMessage("hi").build();
        StringBuilder text = new StringBuilder();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
            try (var stream = client.chat().completions().createStreaming(params)) {
                stream.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
            }
        }).isInstanceOf(com.openai.errors.OpenAIException.class);
        assertThat(text.toString()).isNotEmpty(); // some content came first, then the error
    }

    @Test
    void cutStreamEndsWithInBandError() throws Exception {
        a.chunks(5).failAlways(Fault.cutAfter(3));
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("solo", true))) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertEndsWithInBandError(call);
        }
    }

    @Test
    void streamCutBeforeAnyEventFailsOverInvisibly() throws Exception {
        a.failNext(1, Fault.cutAfter(0));
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("pair", true))) {
            assertThat(call.status()).isEqualTo(200);
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertThat(call.dataLines().getLast().text()).isEqualTo("[DONE]");
            assertThat(call.events()).noneMatch(e -> e.has("error"));
            assertThat(call.events()).allSatisfy(e -> assertThat(e.path("model").asText()).isEqualTo("gpt-4o-mini"));
            assertThat(call.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        }
    }

    @Test
    void missingDoneAfterFinishIsCompletedByTheGateway() throws Exception {
        a.failNext(1, Fault.omitDone());
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("solo", true))) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            List<SseCall.Line> data = call.dataLines();
            assertThat(data.getLast().text()).isEqualTo("[DONE]");
            assertThat(data.stream().filter(l -> l.text().equals("[DONE]")).count()).isEqualTo(1);
            assertThat(call.events()).anyMatch(e -> e.path("choices").path(0).path("finish_reason").asText().equals("stop"));
            assertThat(call.events()).noneMatch(e -> e.has("error"));
            assertThat(call.events()).noneMatch(e -> e.path("usage").isObject());
        }
    }

    @Test
    void malformedChunkNeitherHangsNor500s() throws Exception {
        a.chunks(4).failNext(1, Fault.malformedChunkAfter(2));
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", chat("solo", true))) {
            assertThat(call.status()).isEqualTo(200);
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).as("stream ends in bounded time").isTrue();
            // Whatever the policy (pass the line through, or end with an in-band error), the stream
            // must end either in [DONE] after a finish or in an error event: never just stop.
            String last = call.dataLines().getLast().text();
            assertThat(last.equals("[DONE]") || last.contains("\"error\"")).as(last).isTrue();
        }
    }

    @Test
    void malformedNonStreamBodyIsAGatewayErrorNot500() throws Exception {
        a.failAlways(Fault.malformedChunkAfter(0));
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("solo", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(502);
        assertOpenAiError(response);
        assertThat(a.requestCount()).as("the only target is retried once, then the error is reported").isEqualTo(2);
    }

    @Test
    void malformedNonStreamBodyOnceIsRetriedOnTheOnlyTarget() {
        a.failNext(1, Fault.malformedChunkAfter(0));
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("solo", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-attempts")).hasValue("2");
    }

    @Test
    void malformedNonStreamBodyFailsOver() {
        a.failNext(1, Fault.malformedChunkAfter(0));
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("pair", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");
    }

    @Test
    void cutNonStreamBodyFailsOver() {
        a.failNext(1, Fault.cutAfter(0));
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("pair", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");
    }

    @Test
    void stalledNonStreamBodyTimesOutAndFailsOver() {
        // Head arrives at once, then nothing: the idle/total deadline must still end the attempt.
        a.failNext(1, Fault.stallAfter(0));
        long start = System.nanoTime();
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("pair", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("b");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3000);
    }

    static void assertEndsWithInBandError(SseCall call) {
        List<SseCall.Line> data = call.dataLines();
        assertThat(data).isNotEmpty();
        assertThat(data.getLast().text()).as("last event").contains("\"error\"");
        assertThat(data).noneMatch(l -> l.text().equals("[DONE]"));
        List<JsonNode> events = call.events();
        JsonNode error = events.getLast().path("error");
        assertThat(error.path("message").asText()).isNotBlank();
        assertThat(error.has("type")).isTrue();
        assertThat(events).noneMatch(e -> e.path("choices").path(0).path("finish_reason").isTextual());
    }

    static void assertOpenAiError(HttpResponse<String> response) throws IOException {
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.isObject()).as(response.body()).isTrue();
        assertThat(error.path("message").isTextual()).isTrue();
        assertThat(error.path("type").isTextual()).isTrue();
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
        assertThat(response.headers().firstValue("x-request-id")).isPresent();
    }
}
