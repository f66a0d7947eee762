package dev.gatehouse.observability;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.RecordedRequest;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
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
import org.slf4j.LoggerFactory;

/**
 * Metrics, traces and the JSON access log of real calls through the running gateway against two
 * fake OpenAI upstreams (one failing over to the other).
 */
class ObservabilityTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static FakeOpenAi a;
    static FakeOpenAi b;
    static Gatehouse gatehouse;
    static InMemorySpanExporter spans = InMemorySpanExporter.create();
    static ListAppender<ILoggingEvent> accessLog = new ListAppender<>();
    static Logger accessLogger = (Logger) LoggerFactory.getLogger("gatehouse.access");
    static Level accessLevel;
    static HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws IOException {
        a = FakeOpenAi.start();
        b = FakeOpenAi.start();
        Path dir = Files.createTempDirectory("gatehouse-obs");
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                providers:
                  a: {kind: openai, base-url: "%s", api-key: %s}
                  b: {kind: openai, base-url: "%s", api-key: %s}
                routing:
                  retries: {same-target: 0}
                  circuit-breaker: {consecutive-failures: 1000, failure-rate: 100, window: 10000}
                models:
                  pair:
                    targets: [{provider: a, model: gpt-4o}, {provider: b, model: gpt-4o-mini}]
                  limited:
                    targets: [{provider: a, model: gpt-4o}]
                  priced:
                    pricing: {input: 2.00, output: 10.00}
                    targets: [{provider: a, model: gpt-4o}]
                  emb:
                    type: embedding
                    targets: [{provider: a, model: text-embedding-3-small}]
                observability:
                  access-log: {format: json}
                auth:
                  master-key: %s
                """.formatted(a.baseUrl(), FakeOpenAi.DEFAULT_KEY, b.baseUrl(), FakeOpenAi.DEFAULT_KEY, GatewayHarness.MASTER_KEY));
        accessLevel = accessLogger.getLevel();
        accessLogger.setLevel(Level.DEBUG);
        accessLog.start();
        accessLogger.addAppender(accessLog);
        gatehouse = Gatehouse.start(new Gatehouse.Options(config, "127.0.0.1", 0, dir.resolve("data"), false, List.of(), spans));
    }

    @AfterAll
    static void stop() {
        gatehouse.close();
        a.close();
        b.close();
        accessLogger.detachAppender(accessLog);
        accessLogger.setLevel(accessLevel);
    }

    @BeforeEach
    void reset() {
        a.reset();
        b.reset();
        spans.reset();
        accessLog.list.clear();
    }

    static HttpResponse<String> post(String path, String json, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatehouse.port() + path))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String metrics() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatehouse.port() + "/metrics")).GET());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        return response.body();
    }

    /**
     * The metrics once {@code calls} more calls than in {@code before} were counted: a call is
     * recorded just after its response ends, so a scrape right after the response may miss it.
     */
    static String metricsAfter(String before, int calls) {
        double wanted = sample(before, "gatehouse_requests_total") + calls;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        String text = metrics();
        while (sample(text, "gatehouse_requests_total") < wanted && System.nanoTime() < deadline) {
            sleep(10);
            text = metrics();
        }
        return text;
    }

    /** The value of the one sample whose name and labels contain all of {@code parts}, or 0 when there is none. */
    static double sample(String text, String name, String... labels) {
        double found = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                all &= line.contains(label);
            }
            if (all) {
                found += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return found;
    }

    static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    @Test
    void tokensDurationsAndTtftUseTheGenAiNamesAndAgreeWithTheUpstreamsUsage() {
        String before = metrics();
        a.usage(30, 7, 0, 0);
        assertThat(post("/v1/chat/completions", chat("pair", false)).statusCode()).isEqualTo(200);
        assertThat(post("/v1/chat/completions", chat("pair", true)).statusCode()).isEqualTo(200);
        String after = metricsAfter(before, 2);

        String model = "gen_ai_request_model=\"pair\"";
        String response = "gen_ai_response_model=\"gpt-4o\"";
        assertThat(sample(after, "gen_ai_client_token_usage_sum", model, response, "gen_ai_token_type=\"input\"", "gen_ai_system=\"a\"")
                - sample(before, "gen_ai_client_token_usage_sum", model, response, "gen_ai_token_type=\"input\""))
                .isEqualTo(60);
        assertThat(sample(after, "gen_ai_client_token_usage_sum", model, response, "gen_ai_token_type=\"output\"")
                - sample(before, "gen_ai_client_token_usage_sum", model, response, "gen_ai_token_type=\"output\""))
                .isEqualTo(14);
        assertThat(sample(after, "gen_ai_client_token_usage_bucket", model, "gen_ai_token_type=\"input\"", "le=\"64.0\"")).isPositive();
        assertThat(sample(after, "gen_ai_client_operation_duration_seconds_count", model, "gen_ai_operation_name=\"chat\"",
                "error_type=\"none\"") - sample(before, "gen_ai_client_operation_duration_seconds_count", model,
                "gen_ai_operation_name=\"chat\"", "error_type=\"none\"")).isEqualTo(2);
        assertThat(sample(after, "gen_ai_server_time_to_first_token_seconds_count", model)
                - sample(before, "gen_ai_server_time_to_first_token_seconds_count", model)).isEqualTo(1);
        assertThat(sample(after, "gatehouse_requests_total", "endpoint=\"chat_completions\"", "status_class=\"2xx\"")
                - sample(before, "gatehouse_requests_total", "endpoint=\"chat_completions\"", "status_class=\"2xx\"")).isEqualTo(2);
        // No key, user or request ids as labels.
        assertThat(after).doesNotContain("key_id").doesNotContain("user_id").doesNotContain("request_id");
    }

    @Test
    void costInMicroUsdIsChargedToTheAnsweringModel() {
        a.usage(30, 7, 0, 0);
        String before = metrics();
        assertThat(post("/v1/chat/completions", chat("priced", false)).statusCode()).isEqualTo(200);
        assertThat(post("/v1/chat/completions", chat("priced", true)).statusCode()).isEqualTo(200);
        String after = metricsAfter(before, 2);
        // 30 input tokens at 2 USD/M + 7 output tokens at 10 USD/M = 130 micro-USD per call.
        assertThat(sample(after, "gatehouse_cost_micros_total", "gen_ai_request_model=\"priced\"", "gen_ai_response_model=\"gpt-4o\"")
                - sample(before, "gatehouse_cost_micros_total", "gen_ai_request_model=\"priced\"")).isEqualTo(260);
    }

    @Test
    void embeddingsCountInputTokensOnly() {
        String before = metrics();
        assertThat(post("/v1/embeddings", "{\"model\":\"emb\",\"input\":\"hello world\"}").statusCode()).isEqualTo(200);
        String after = metricsAfter(before, 1);
        String labels = "gen_ai_operation_name=\"embeddings\"";
        assertThat(sample(after, "gen_ai_client_token_usage_count", labels, "gen_ai_token_type=\"input\"")
                - sample(before, "gen_ai_client_token_usage_count", labels, "gen_ai_token_type=\"input\"")).isEqualTo(1);
        assertThat(sample(after, "gen_ai_client_token_usage_count", labels, "gen_ai_token_type=\"output\"")).isZero();
    }

    @Test
    void failoverCountsAFallbackAndTheFailedAttemptAndTheAnsweringModel() {
        String before = metrics();
        a.failNext(1, Fault.serverError());
        HttpResponse<String> response = post("/v1/chat/completions", chat("pair", false));
        assertThat(response.statusCode()).isEqualTo(200);
        String after = metricsAfter(before, 1);
        assertThat(sample(after, "gatehouse_fallbacks_total", "gen_ai_request_model=\"pair\"")
                - sample(before, "gatehouse_fallbacks_total", "gen_ai_request_model=\"pair\"")).isEqualTo(1);
        assertThat(sample(after, "gatehouse_upstream_attempts_total", "gen_ai_system=\"a\"", "outcome=\"upstream_error\"")
                - sample(before, "gatehouse_upstream_attempts_total", "gen_ai_system=\"a\"", "outcome=\"upstream_error\"")).isEqualTo(1);
        assertThat(sample(after, "gen_ai_client_operation_duration_seconds_count", "gen_ai_response_model=\"gpt-4o-mini\"",
                "gen_ai_system=\"b\"") - sample(before, "gen_ai_client_operation_duration_seconds_count",
                "gen_ai_response_model=\"gpt-4o-mini\"", "gen_ai_system=\"b\"")).isEqualTo(1);
        // Circuit state gauge per target: closed is 1, the others 0.
        assertThat(sample(after, "gatehouse_circuit_state", "target=\"a/gpt-4o\"", "state=\"closed\"")).isEqualTo(1);
        assertThat(sample(after, "gatehouse_circuit_state", "target=\"a/gpt-4o\"", "state=\"open\"")).isZero();

        JsonNode line = lastAccessLine();
        assertThat(line.get("fallbacks").asInt()).isEqualTo(1);
        assertThat(line.get("path")).hasSize(2);
        assertThat(line.get("path").get(0).get("error").asText()).isEqualTo("upstream_error");
        assertThat(line.get("provider").asText()).isEqualTo("b");
        assertThat(line.get("response_model").asText()).isEqualTo("gpt-4o-mini");
    }

    @Test
    void errorsAreCountedByStatusClassAndUnknownModelsNeverBecomeLabels() {
        String before = metrics();
        assertThat(post("/v1/chat/completions", chat("no-such-model-xyz", false)).statusCode()).isEqualTo(404);
        String after = metricsAfter(before, 1);
        assertThat(sample(after, "gatehouse_requests_total", "endpoint=\"chat_completions\"", "status_class=\"4xx\"")
                - sample(before, "gatehouse_requests_total", "endpoint=\"chat_completions\"", "status_class=\"4xx\"")).isEqualTo(1);
        assertThat(after).doesNotContain("no-such-model-xyz");
    }

    @Test
    void rateLimitRejectionsAreCounted() {
        assertThat(post("/admin/v1/rate-limits", "{\"scope\":\"model\",\"subject\":\"limited\",\"rpm\":1}").statusCode())
                .isEqualTo(201);
        String before = metrics();
        assertThat(post("/v1/chat/completions", chat("limited", false)).statusCode()).isEqualTo(200);
        assertThat(post("/v1/chat/completions", chat("limited", false)).statusCode()).isEqualTo(429);
        String after = metricsAfter(before, 2);
        assertThat(sample(after, "gatehouse_rejections_total", "reason=\"rate_limit\"")
                - sample(before, "gatehouse_rejections_total", "reason=\"rate_limit\"")).isEqualTo(1);
        assertThat(sample(after, "gatehouse_requests_total", "status_class=\"4xx\"")
                - sample(before, "gatehouse_requests_total", "status_class=\"4xx\"")).isEqualTo(1);
    }

    @Test
    void queueDepthGaugesCanBeRegisteredByOtherParts() {
        gatehouse.metrics().gauge("gatehouse.test.queue.depth", "records waiting", () -> 42);
        String text = metrics();
        assertThat(sample(text, "gatehouse_test_queue_depth")).isEqualTo(42);
        // The request log registers its own queue depth at start.
        assertThat(sample(text, "gatehouse_request_log_queue_depth")).isGreaterThanOrEqualTo(0);
        assertThat(sample(text, "jvm_memory_used_bytes")).isPositive(); // the process's own health is there too
    }

    @Test
    void aSpanPerCallAndPerAttemptWithGenAiAttributesAndTraceparentUpstream() {
        a.usage(11, 5, 0, 0);
        a.failNext(1, Fault.serverError());
        b.usage(11, 5, 0, 0);
        String callerTrace = "0af7651916cd43dd8448eb211c80319c";
        HttpResponse<String> response = post("/v1/chat/completions", chat("pair", false),
                "traceparent", "00-" + callerTrace + "-b7ad6b7169203331-01");
        assertThat(response.statusCode()).isEqualTo(200);

        List<SpanData> finished = awaitServerSpan();
        SpanData server = finished.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        List<SpanData> attempts = finished.stream().filter(s -> s.getKind() == SpanKind.CLIENT).toList();
        assertThat(server.getTraceId()).isEqualTo(callerTrace);
        assertThat(server.getParentSpanId()).isEqualTo("b7ad6b7169203331");
        assertThat(server.getName()).isEqualTo("chat pair");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name"))).isEqualTo("chat");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model"))).isEqualTo("pair");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("gen_ai.response.model"))).isEqualTo("gpt-4o-mini");
        assertThat(server.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens"))).isEqualTo(11);
        assertThat(server.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens"))).isEqualTo(5);
        assertThat(attempts).hasSize(2);
        assertThat(attempts).allSatisfy(s -> assertThat(s.getParentSpanId()).isEqualTo(server.getSpanId()));
        assertThat(attempts.get(0).getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("upstream_error");
        assertThat(attempts.get(1).getAttributes().get(AttributeKey.stringKey("gen_ai.system"))).isEqualTo("b");
        assertThat(attempts.get(1).getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name"))).isEqualTo("chat");

        // Each upstream request carried its own attempt span's context.
        RecordedRequest toA = a.lastRequest();
        RecordedRequest toB = b.lastRequest();
        assertThat(toA.header("traceparent")).isEqualTo("00-" + callerTrace + "-" + attempts.get(0).getSpanId() + "-01");
        assertThat(toB.header("traceparent")).isEqualTo("00-" + callerTrace + "-" + attempts.get(1).getSpanId() + "-01");
        // Metadata only: no message content anywhere in the spans.
        assertThat(finished.toString()).doesNotContain("\"hi\"").doesNotContain(FakeOpenAi.DEFAULT_ANSWER);
    }

    @Test
    void jsonAccessLogHasOneLinePerCallWithMetadataAndNoSecrets() {
        a.usage(9, 3, 0, 0);
        assertThat(post("/v1/chat/completions", chat("pair", true)).statusCode()).isEqualTo(200);
        JsonNode line = lastAccessLine();
        assertThat(line.get("endpoint").asText()).isEqualTo("chat_completions");
        assertThat(line.get("model").asText()).isEqualTo("pair");
        assertThat(line.get("provider").asText()).isEqualTo("a");
        assertThat(line.get("stream").asBoolean()).isTrue();
        assertThat(line.get("status").asInt()).isEqualTo(200);
        assertThat(line.get("input_tokens").asLong()).isEqualTo(9);
        assertThat(line.get("output_tokens").asLong()).isEqualTo(3);
        assertThat(line.has("ttft_ms")).isTrue();
        assertThat(line.get("zdr").asBoolean()).isFalse();
        String raw = accessLog.list.get(accessLog.list.size() - 1).getFormattedMessage();
        assertThat(raw).doesNotContain(GatewayHarness.MASTER_KEY).doesNotContain(FakeOpenAi.DEFAULT_KEY)
                .doesNotContain(FakeOpenAi.DEFAULT_ANSWER).doesNotContain("\"hi\"");
    }

    /** The call's spans end just after its response: wait for them. */
    static List<SpanData> awaitServerSpan() {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            List<SpanData> finished = spans.getFinishedSpanItems();
            if (finished.stream().anyMatch(s -> s.getKind() == SpanKind.SERVER)) {
                return finished;
            }
            sleep(10);
        }
        throw new AssertionError("no server span within 5 s: " + spans.getFinishedSpanItems());
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static JsonNode lastAccessLine() {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (accessLog.list.isEmpty() && System.nanoTime() < deadline) {
            sleep(10);
        }
        assertThat(accessLog.list).isNotEmpty();
        try {
            return JSON.readTree(accessLog.list.get(accessLog.list.size() - 1).getFormattedMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
