package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.RecordedRequest;
import dev.gatehouse.testing.SseCall;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Same-format passthrough through the running gateway to a strict fake OpenAI (and Azure OpenAI):
 * what the upstream receives, what the caller gets back, streaming pace, and usage injection.
 */
class PassthroughTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PROVIDER_KEY = "sk-provider-key-for-passthrough";
    static final String AZURE_KEY = "azure-key-0123456789";

    static FakeOpenAi fake;
    static FakeOpenAi azure;
    static GatewayHarness gateway;
    static ListAppender<ILoggingEvent> accessLog;
    static Logger accessLogger;
    static Level accessLevel;

    @BeforeAll
    static void start() {
        fake = FakeOpenAi.start().expectKey(PROVIDER_KEY);
        azure = FakeOpenAi.start().expectKey(AZURE_KEY);
        gateway = GatewayHarness.start("""
                providers:
                  up: {kind: openai, base-url: "%s", api-key: %s}
                  az: {kind: azure-openai, base-url: "%s", api-key: %s, api-version: 2024-10-21}
                models:
                  chat:
                    targets: [{provider: up, model: gpt-4o}]
                  embed:
                    type: embedding
                    targets: [{provider: up, model: text-embedding-3-small}]
                  az-chat:
                    targets: [{provider: az, model: my-gpt4o-deployment}]
                  az-embed:
                    type: embedding
                    targets: [{provider: az, model: my-embedding-deployment}]
                """.formatted(fake.baseUrl(), PROVIDER_KEY, azure.origin(), AZURE_KEY));
        // The access log is the one observable place where the gateway records a call's usage.
        accessLogger = (Logger) LoggerFactory.getLogger("gatehouse.access");
        accessLevel = accessLogger.getLevel();
        accessLog = new ListAppender<>();
        accessLog.start();
        accessLogger.addAppender(accessLog);
        accessLogger.setLevel(Level.DEBUG);
    }

    @AfterAll
    static void stop() {
        accessLogger.detachAppender(accessLog);
        accessLogger.setLevel(accessLevel);
        gateway.close();
        fake.close();
        azure.close();
    }

    @BeforeEach
    void resetFakes() {
        fake.reset();
        azure.reset();
        accessLog.list.clear();
    }

    @AfterEach
    void noKeyLeaked() {
        for (FakeOpenAi f : List.of(fake, azure)) {
            for (RecordedRequest r : f.requests()) {
                r.headers().forEach((name, values) -> assertThat(values)
                        .as("header %s sent upstream", name)
                        .noneMatch(v -> v.contains(GatewayHarness.MASTER_KEY)));
                assertThat(r.bodyString()).doesNotContain(GatewayHarness.MASTER_KEY);
            }
        }
    }

    static final String CHAT_BODY = """
            {"model":"chat","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi ☃ \\u00e9"}],
             "temperature":0.25,"top_p":1,"n":1,"seed":42,"user":"u-17",
             "metadata":{"team":"blue","ticket":"T-1"},"store":false,
             "tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object","properties":{"a":{"type":"integer"}}}}}],
             "x_custom":{"nested":[1,2,{"deep":true}],"s":"v"}}""";

    @Test
    void nonStreamRequestArrivesUnchangedExceptModelAndAuth_andResponseIsByteIdentical() throws Exception {
        fake.extraResponseFields(true);
        HttpResponse<String> response = gateway.post("/v1/chat/completions", CHAT_BODY);

        assertThat(response.statusCode()).isEqualTo(200);
        RecordedRequest sent = fake.lastRequest();
        assertThat(sent.path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + PROVIDER_KEY);
        ObjectNode expected = (ObjectNode) JSON.readTree(CHAT_BODY);
        expected.put("model", "gpt-4o");
        assertThat(sent.json()).isEqualTo(expected);
        assertThat(sent.unknownFields()).contains("x_custom");

        // Byte-identical: the fake's answer is deterministic apart from id/created, so compare with
        // what it would have sent by parsing and re-checking every field, and check raw bytes survive.
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("x_vendor_field").path("region").asText()).isEqualTo("test-1");
        assertThat(body.path("system_fingerprint").asText()).isEqualTo(FakeOpenAi.SYSTEM_FINGERPRINT);
        assertThat(body.path("model").asText()).isEqualTo("gpt-4o");
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("up");
        // The fake serialises with Jackson's compact writer: a passthrough must not re-serialise.
        assertThat(response.body()).isEqualTo(JSON.writeValueAsString(body));
        assertThat(response.body()).contains("\"x_vendor_field\":{\"region\":\"test-1\",\"flags\":[1,2]}");
    }

    @Test
    void nonStreamResponseBytesAreRelayedExactly() throws Exception {
        // Unusual but valid formatting and field order that any re-serialisation would change.
        fake.extraResponseField("x_weird_number", 1.50);
        fake.extraResponseField("x_unicode", "snow ☃ and \u00e9");
        HttpResponse<String> response = gateway.post("/v1/chat/completions", CHAT_BODY);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"x_weird_number\":1.5").contains("snow ☃ and é");
        assertThat(usageLogged("in=12 out=7")).contains("in=12 out=7");
    }

    @Test
    void streamArrivesChunkByChunkWithVendorFieldsAndDone() throws Exception {
        fake.extraResponseFields(true).chunkTexts("one", " two", " three", " four", " five").chunkDelay(Duration.ofMillis(150));
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions",
                "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}")) {
            assertThat(call.status()).isEqualTo(200);
            assertThat(call.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();

            List<SseCall.Line> data = call.dataLines();
            assertThat(data.getLast().text()).isEqualTo("[DONE]");
            // role chunk + 5 content + finish = 7 events, then [DONE]; upstream pacing 150 ms per event.
            List<JsonNode> events = call.events();
            assertThat(events).hasSize(7);
            assertThat(events).allSatisfy(e -> {
                assertThat(e.path("x_vendor_field").path("flags").toString()).isEqualTo("[1,2]");
                assertThat(e.path("system_fingerprint").asText()).isEqualTo(FakeOpenAi.SYSTEM_FINGERPRINT);
            });
            String text = events.stream().map(e -> e.path("choices").path(0).path("delta").path("content").asText(""))
                    .collect(Collectors.joining());
            assertThat(text).isEqualTo("one two three four five");

            long firstMs = (data.getFirst().atNanos() - call.startNanos()) / 1_000_000;
            long spreadMs = (data.getLast().atNanos() - data.getFirst().atNanos()) / 1_000_000;
            // Upstream needs >= 7 * 150 ms after the first event: lines must arrive spread out like that,
            // not in one burst at the end.
            assertThat(spreadMs).as("time between first and last data line").isGreaterThanOrEqualTo(800);
            assertThat(firstMs).as("first data line after").isLessThan(spreadMs);
            // Each consecutive content event comes roughly one upstream delay after the previous one.
            for (int i = 2; i < 6; i++) {
                long gap = (data.get(i).atNanos() - data.get(i - 1).atNanos()) / 1_000_000;
                assertThat(gap).as("gap before event %d", i).isGreaterThan(60);
            }
            // The caller did not ask for usage: the fake was asked for it, the caller does not see it.
            assertThat(fake.lastRequest().json().path("stream_options").path("include_usage").asBoolean()).isTrue();
            assertThat(events).noneMatch(e -> e.path("usage").isObject());
            assertThat(events).allSatisfy(e -> assertThat(e.path("choices").size()).isEqualTo(1));
        }
        assertThat(usageLogged("in=12 out=7")).contains("in=12 out=7");
    }

    @Test
    void streamWithoutStreamOptionsOtherwiseArrivesUnchanged() throws Exception {
        String body = "{\"model\":\"chat\",\"stream\":true,\"x_custom\":{\"k\":[1,2]},\"metadata\":{\"a\":\"b\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", body)) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
        }
        ObjectNode expected = (ObjectNode) JSON.readTree(body);
        expected.put("model", "gpt-4o");
        expected.putObject("stream_options").put("include_usage", true);
        assertThat(fake.lastRequest().json()).isEqualTo(expected);
    }

    @Test
    void usageIsInjectedIntoEveryShapeOfStreamOptions() throws Exception {
        for (String options : List.of("\"stream_options\":null,", "\"stream_options\":{},",
                "\"stream_options\":{\"x_opt\":1},", "\"stream_options\":{\"include_usage\":null},")) {
            fake.reset();
            String body = "{\"model\":\"chat\",\"stream\":true," + options + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            try (SseCall call = SseCall.post(gateway, "/v1/chat/completions", body)) {
                call.readAll(Duration.ofSeconds(5));
                assertThat(call.status()).as(options).isEqualTo(200);
                assertThat(call.ended()).isTrue();
                assertThat(call.events()).as(options).noneMatch(e -> e.path("usage").isObject());
                assertThat(call.dataLines().getLast().text()).isEqualTo("[DONE]");
            }
            JsonNode sent = fake.lastRequest().json();
            assertThat(sent).as(options + " -> " + fake.lastRequest().bodyString()).isNotNull();
            assertThat(sent.path("stream_options").path("include_usage").asBoolean()).as(options).isTrue();
            ObjectNode expected = (ObjectNode) JSON.readTree(body);
            expected.put("model", "gpt-4o");
            ObjectNode so = expected.get("stream_options") instanceof ObjectNode o ? o : expected.putObject("stream_options");
            so.put("include_usage", true);
            assertThat(sent).as(options).isEqualTo(expected);
        }
    }

    @Test
    void largeNonStreamAnswerIsRelayedWhole() throws Exception {
        String answer = "word ".repeat(60_000).trim(); // ~300 KB: many TCP reads on the way in and out
        fake.answer(answer);
        HttpResponse<String> response = gateway.post("/v1/chat/completions", CHAT_BODY);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).path("choices").path(0).path("message").path("content").asText()).isEqualTo(answer);
    }

    @Test
    void callerAskingForUsageGetsTheUsageChunkExactlyOnce() throws Exception {
        fake.usage(30, 5, 0, 0);
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions",
                "{\"model\":\"chat\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            List<JsonNode> usageChunks = call.events().stream().filter(e -> e.path("usage").isObject()).toList();
            assertThat(usageChunks).hasSize(1);
            assertThat(usageChunks.getFirst().path("choices").size()).isZero();
            assertThat(usageChunks.getFirst().path("usage").path("prompt_tokens").asInt()).isEqualTo(30);
            assertThat(call.dataLines().getLast().text()).isEqualTo("[DONE]");
        }
        assertThat(fake.lastRequest().json().path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(usageLogged("in=30 out=5")).contains("in=30 out=5");
    }

    @Test
    void callerWithIncludeUsageFalseGetsNoUsageChunk() throws Exception {
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions",
                "{\"model\":\"chat\",\"stream\":true,\"stream_options\":{\"include_usage\":false},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertThat(call.events()).noneMatch(e -> e.path("usage").isObject());
            assertThat(call.dataLines().getLast().text()).isEqualTo("[DONE]");
        }
        assertThat(fake.lastRequest().json().path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(usageLogged("in=12 out=7")).contains("in=12 out=7");
    }

    @Test
    void embeddingsPassThroughWithModelRewrittenAndVectorsUnchanged() throws Exception {
        fake.embeddingDimensions(5).extraResponseFields(true);
        String body = "{\"model\":\"embed\",\"input\":[\"alpha\",\"beta\"],\"encoding_format\":\"float\",\"user\":\"u1\"}";
        HttpResponse<String> response = gateway.post("/v1/embeddings", body);
        assertThat(response.statusCode()).isEqualTo(200);

        ObjectNode expected = (ObjectNode) JSON.readTree(body);
        expected.put("model", "text-embedding-3-small");
        assertThat(fake.lastRequest().json()).isEqualTo(expected);
        assertThat(fake.lastRequest().header("authorization")).isEqualTo("Bearer " + PROVIDER_KEY);

        JsonNode answer = JSON.readTree(response.body());
        assertThat(answer.path("data")).hasSize(2);
        assertThat(answer.path("data").path(0).path("embedding")).hasSize(5);
        assertThat(answer.path("x_vendor_field").path("region").asText()).isEqualTo("test-1");
        // The very vectors the upstream computed (the fake's vectors depend only on the input).
        for (int i = 0; i < 2; i++) {
            float[] upstream = FakeOpenAi.vector(JSON.writeValueAsString(List.of("alpha", "beta").get(i)), 5);
            JsonNode got = answer.path("data").path(i).path("embedding");
            for (int d = 0; d < 5; d++) {
                assertThat(got.get(d).floatValue()).isEqualTo(upstream[d]);
            }
        }
    }

    @Test
    void azureChatUsesDeploymentUrlApiVersionAndApiKeyHeader() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                "{\"model\":\"az-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"x_custom\":1}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        RecordedRequest sent = azure.lastRequest();
        assertThat(sent.path()).isEqualTo("/openai/deployments/my-gpt4o-deployment/chat/completions");
        assertThat(sent.queryParam("api-version")).isEqualTo("2024-10-21");
        assertThat(sent.header("api-key")).isEqualTo(AZURE_KEY);
        assertThat(sent.header("authorization")).isNull();
        assertThat(sent.json().path("x_custom").asInt()).isEqualTo(1);
        assertThat(JSON.readTree(response.body()).path("choices").path(0).path("message").path("content").asText())
                .isEqualTo(FakeOpenAi.DEFAULT_ANSWER);
        assertThat(response.headers().firstValue("x-gatehouse-provider")).hasValue("az");
    }

    @Test
    void azureStreamsToo() throws Exception {
        try (SseCall call = SseCall.post(gateway, "/v1/chat/completions",
                "{\"model\":\"az-chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
            call.readAll(Duration.ofSeconds(5));
            assertThat(call.ended()).isTrue();
            assertThat(call.dataLines().getLast().text()).isEqualTo("[DONE]");
            assertThat(call.events()).noneMatch(e -> e.path("usage").isObject());
        }
        assertThat(azure.lastRequest().path()).isEqualTo("/openai/deployments/my-gpt4o-deployment/chat/completions");
    }

    @Test
    void azureEmbeddings() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/embeddings", "{\"model\":\"az-embed\",\"input\":\"hello\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        RecordedRequest sent = azure.lastRequest();
        assertThat(sent.path()).isEqualTo("/openai/deployments/my-embedding-deployment/embeddings");
        assertThat(sent.queryParam("api-version")).isEqualTo("2024-10-21");
        assertThat(sent.header("api-key")).isEqualTo(AZURE_KEY);
        assertThat(sent.header("authorization")).isNull();
        assertThat(JSON.readTree(response.body()).path("data").path(0).path("embedding")).hasSize(8);
    }

    /** The access log lines of finished calls (usage numbers included). */
    /**
     * The access log so far, once a line with {@code expected} is in it (or after 2 s). The listener
     * runs when the response has ended, so a line can arrive a moment after the body was read, and a
     * previous test's line can arrive after that test's log was cleared: waiting for any line would
     * read the previous test's.
     */
    private static String usageLogged(String expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        String logged;
        do {
            java.util.List<ILoggingEvent> snapshot;
            synchronized (accessLog) { // the appender appends under its own lock, from the gateway's threads
                snapshot = new java.util.ArrayList<>(accessLog.list);
            }
            logged = snapshot.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.joining("\n"));
            if (logged.contains(expected)) {
                return logged;
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        return logged;
    }
}
