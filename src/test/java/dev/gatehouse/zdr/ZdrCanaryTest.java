package dev.gatehouse.zdr;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import dev.gatehouse.testing.GatewayHarness;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The zero-data-retention canary: with ZDR on, a unique string travels through every endpoint
 * (chat streaming and not, embeddings, messages streaming and not, count_tokens) and every error
 * path we can provoke (an upstream 400 that echoes the prompt, from either provider format; a
 * malformed body; a model with no ZDR target), with every logger at DEBUG writing to a file and
 * tracing on. Then every file the gateway wrote — the data directory with the SQLite database and
 * its WAL, the log file — and every exported span is searched: the canary must be nowhere.
 */
class ZdrCanaryTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void theCanaryIsFoundNowhere() throws Exception {
        String canary = "CANARY" + UUID.randomUUID().toString().replace("-", "");
        Path dir = Files.createTempDirectory("gatehouse-zdr");
        Path logFile = dir.resolve("logs").resolve("gatehouse.log");
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        FileAppender<ILoggingEvent> file = fileAppender(context, logFile);
        Map<Logger, Level> levels = new HashMap<>();
        for (Logger logger : List.of(root, context.getLogger("dev.gatehouse"), context.getLogger("gatehouse.access"),
                context.getLogger("io.vertx"), context.getLogger("io.netty"))) {
            levels.put(logger, logger.getLevel());
            logger.setLevel(Level.DEBUG);
        }
        root.addAppender(file);
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        String spanDump = null;
        int spanCount = 0;
        try (FakeOpenAi zdrOpenAi = FakeOpenAi.start(); FakeOpenAi retaining = FakeOpenAi.start();
                FakeAnthropic zdrAnthropic = FakeAnthropic.start()) {
            Path config = dir.resolve("gatehouse.yaml");
            Files.writeString(config, """
                    providers:
                      retaining: {kind: openai, base-url: "%s", api-key: %s}
                      zdr-openai: {kind: openai, base-url: "%s", api-key: %s, zdr: true}
                      zdr-claude: {kind: anthropic, base-url: "%s", api-key: %s, zdr: true}
                    routing:
                      retries: {same-target: 0}
                    models:
                      chat:
                        targets: [{provider: retaining, model: gpt-4o}, {provider: zdr-openai, model: gpt-4o}]
                      claude:
                        targets: [{provider: zdr-claude, model: claude-sonnet-4-5}]
                      emb:
                        type: embedding
                        targets: [{provider: retaining, model: text-embedding-3-small}, {provider: zdr-openai, model: text-embedding-3-small}]
                      retaining-only:
                        targets: [{provider: retaining, model: gpt-4o}]
                    zdr:
                      enabled: true
                    observability:
                      access-log: {format: json}
                    auth:
                      master-key: %s
                    """.formatted(retaining.baseUrl(), FakeOpenAi.DEFAULT_KEY, zdrOpenAi.baseUrl(), FakeOpenAi.DEFAULT_KEY,
                    zdrAnthropic.baseUrl(), FakeAnthropic.DEFAULT_KEY, GatewayHarness.MASTER_KEY));
            Gatehouse gatehouse = Gatehouse.start(new Gatehouse.Options(config, "127.0.0.1", 0, dir.resolve("data"), false,
                    List.of(), spans));
            String base = "http://127.0.0.1:" + gatehouse.port();
            List<HttpResponse<String>> responses = new ArrayList<>();
            try {
                String chat = "{\"model\":\"%s\",%s\"messages\":[{\"role\":\"user\",\"content\":\"Remember " + canary + "\"}]}";
                responses.add(expect(200, post(base + "/v1/chat/completions", chat.formatted("chat", ""))));
                responses.add(expect(200, post(base + "/v1/chat/completions", chat.formatted("chat", "\"stream\":true,"))));
                responses.add(expect(200, post(base + "/v1/embeddings", "{\"model\":\"emb\",\"input\":\"" + canary + "\"}")));
                String messages = "{\"model\":\"%s\",\"max_tokens\":64,%s\"messages\":[{\"role\":\"user\",\"content\":\"Remember " + canary + "\"}]}";
                responses.add(expect(200, post(base + "/v1/messages", messages.formatted("claude", ""))));
                responses.add(expect(200, post(base + "/v1/messages", messages.formatted("claude", "\"stream\":true,"))));
                responses.add(expect(200, post(base + "/v1/messages", messages.formatted("chat", "")))); // Anthropic caller, OpenAI target
                responses.add(expect(200, post(base + "/v1/messages/count_tokens",
                        "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"" + canary + "\"}]}")));

                // Error paths: upstreams that echo the prompt in their error message.
                zdrOpenAi.failNext(1, Fault.error(400, "invalid_request_error", "invalid_value",
                        "Invalid content: 'Remember " + canary + "'", "messages"));
                HttpResponse<String> echoed = expect(400, post(base + "/v1/chat/completions", chat.formatted("chat", "")));
                assertThat(echoed.body()).contains(canary); // the caller may see its own prompt echoed
                zdrOpenAi.failNext(1, Fault.error(400, "invalid_request_error", "invalid_value",
                        "Invalid content: 'Remember " + canary + "'", "messages"));
                expect(400, post(base + "/v1/chat/completions", chat.formatted("chat", "\"stream\":true,")));
                zdrAnthropic.failNext(1, FakeAnthropic.Failure.http(400, "invalid_request_error", "prompt was: " + canary));
                expect(400, post(base + "/v1/messages", messages.formatted("claude", "")));
                // A stream that breaks with an in-band error quoting the prompt, after bytes reached the caller.
                zdrAnthropic.failNext(1, FakeAnthropic.Failure.inBand(5, "invalid_request_error", "mid-stream: " + canary));
                expect(200, post(base + "/v1/messages", messages.formatted("claude", "\"stream\":true,")));
                zdrOpenAi.failNext(1, Fault.raw(500, "upstream crashed on " + canary));
                expect(502, post(base + "/v1/chat/completions", chat.formatted("chat", "")));
                // Malformed bodies containing the canary.
                expect(400, post(base + "/v1/chat/completions", "{\"model\":\"chat\",\"messages\":[" + canary));
                expect(400, post(base + "/v1/chat/completions", "{\"model\":\"chat\",\"messages\":\"" + canary + "\"}"));
                expect(400, post(base + "/v1/messages", "{\"model\":\"claude\",\"messages\":[{" + canary));
                expect(400, post(base + "/v1/embeddings", "{\"model\":\"emb\",\"input\":[" + canary + "]}"));
                // No ZDR target: a clear 403 naming zero data retention and the model.
                HttpResponse<String> refused = expect(403, post(base + "/v1/chat/completions", chat.formatted("retaining-only", "")));
                assertThat(refused.body()).contains("Zero data retention").contains("retaining-only").contains("zdr_no_target");
                Thread.sleep(200); // the last call's span ends just after its response
                spanDump = spans.getFinishedSpanItems().toString(); // closing the gateway shuts the exporter down
                spanCount = spans.getFinishedSpanItems().size();
            } finally {
                gatehouse.close();
            }
            // ZDR traffic only went to the providers marked zdr: true.
            assertThat(retaining.requestCount()).isZero();
            assertThat(zdrOpenAi.requests()).extracting(r -> r.bodyString()).anyMatch(b -> b.contains(canary));
            // The test is only meaningful if the gateway really logged and stored things.
            assertThat(Files.size(logFile)).isPositive();
            assertThat(Files.readString(logFile)).contains("gatehouse.access").contains("\"zdr\":true");
            assertThat(spanCount).isGreaterThan(10);
        } finally {
            root.detachAppender(file);
            file.stop();
            levels.forEach(Logger::setLevel);
        }

        byte[] needle = canary.getBytes(StandardCharsets.UTF_8);
        List<Path> written;
        try (Stream<Path> walk = Files.walk(dir)) {
            written = walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("gatehouse.yaml")).toList();
        }
        assertThat(written).anyMatch(p -> p.toString().endsWith(".db"));
        for (Path path : written) {
            byte[] bytes = Files.readAllBytes(path);
            assertThat(indexOf(bytes, needle)).as("canary found in %s", path).isEqualTo(-1);
            assertThat(indexOf(bytes, canary.getBytes(StandardCharsets.UTF_16LE))).as("canary (UTF-16) in %s", path).isEqualTo(-1);
        }
        assertThat(spanDump).doesNotContain(canary);
    }

    private static FileAppender<ILoggingEvent> fileAppender(LoggerContext context, Path logFile) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d %-5level %logger - %msg%n%ex");
        encoder.start();
        FileAppender<ILoggingEvent> file = new FileAppender<>();
        file.setContext(context);
        file.setFile(logFile.toString());
        file.setEncoder(encoder);
        file.setImmediateFlush(true);
        file.start();
        return file;
    }

    private static HttpResponse<String> expect(int status, HttpResponse<String> response) {
        assertThat(response.statusCode()).as("status of %s", response.body()).isEqualTo(status);
        return response;
    }

    private static HttpResponse<String> post(String url, String body) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                    .header("Content-Type", "application/json")
                    .header("anthropic-version", "2023-06-01")
                    .timeout(Duration.ofSeconds(20))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
