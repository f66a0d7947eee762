package dev.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Overload protection through the running gateway: calls beyond server.max-in-flight get a 503
 * with Retry-After in the caller's format, too many headers a 431, too large headers a 431, and
 * a connection beyond server.max-connections is closed at once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OverloadTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static FakeOpenAi upstream;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        upstream = FakeOpenAi.start();
        gateway = GatewayHarness.start("""
                server:
                  max-in-flight: 2
                  max-connections: 6
                  max-headers: 40
                  max-header-size: 2KB
                providers:
                  a: {kind: openai, base-url: "%s", api-key: %s}
                models:
                  slow:
                    targets: [{provider: a, model: gpt-4o}]
                """.formatted(upstream.baseUrl(), FakeOpenAi.DEFAULT_KEY));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    static HttpRequest.Builder chat(String path, String body) {
        return HttpRequest.newBuilder(URI.create(gateway.origin() + path))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    @Test
    void callsBeyondTheInFlightLimitGetA503WithRetryAfterInTheCallersFormat() throws Exception {
        upstream.headDelay(Duration.ofMillis(1500));
        try {
            String openAi = "{\"model\":\"slow\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            List<CompletableFuture<HttpResponse<String>>> busy = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                busy.add(CompletableFuture.supplyAsync(() -> gateway.send(chat("/v1/chat/completions", openAi))));
            }
            assertThat(upstream.awaitRequests(2, Duration.ofSeconds(10))).isTrue();

            HttpResponse<String> refused = gateway.send(chat("/v1/chat/completions", openAi));
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
            JsonNode error = JSON.readTree(refused.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("overloaded");
            assertThat(error.path("message").asText()).contains("server.max-in-flight");

            String anthropic = "{\"model\":\"slow\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            HttpResponse<String> refusedAnthropic = gateway.send(chat("/v1/messages", anthropic));
            assertThat(refusedAnthropic.statusCode()).isEqualTo(503);
            assertThat(refusedAnthropic.headers().firstValue("retry-after")).hasValue("1");
            JsonNode body = JSON.readTree(refusedAnthropic.body());
            assertThat(body.path("type").asText()).as("Anthropic's error shape").isEqualTo("error");
            assertThat(upstream.requestCount()).as("refused calls never reach the upstream").isEqualTo(2);

            for (CompletableFuture<HttpResponse<String>> call : busy) {
                assertThat(call.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            upstream.headDelay(Duration.ZERO);
            assertThat(gateway.send(chat("/v1/chat/completions", openAi)).statusCode()).as("slots are released").isEqualTo(200);
            assertThat(gateway.get("/metrics").body()).containsPattern("gatehouse_overload_refused_total(\\{[^}]*\\})? 2\\.0");
        } finally {
            upstream.reset();
        }
    }

    @Test
    void tooManyHeadersGetA431() throws Exception {
        HttpRequest.Builder request = chat("/v1/chat/completions", "{}");
        for (int i = 0; i < 45; i++) {
            request.header("x-filler-" + i, "1");
        }
        HttpResponse<String> response = gateway.send(request);
        assertThat(response.statusCode()).isEqualTo(431);
        assertThat(JSON.readTree(response.body()).path("error").path("code").asText()).isEqualTo("too_many_headers");
    }

    @Test
    void headersOverTheConfiguredSizeGetA431() throws Exception {
        HttpResponse<String> response = gateway.send(chat("/v1/chat/completions", "{}").version(HttpClient.Version.HTTP_1_1)
                .header("x-big", "a".repeat(3000)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(431);
        assertThat(JSON.readTree(response.body()).path("error").path("message").asText()).contains("2000 bytes");
    }

    @Test
    void aConnectionBeyondTheLimitIsClosedAtOnce() throws Exception {
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                open.add(new Socket("127.0.0.1", gateway.port()));
            }
            // Let the server register them before the one too many.
            Thread.sleep(300);
            try (Socket extra = new Socket("127.0.0.1", gateway.port())) {
                extra.setSoTimeout(5000);
                OutputStream out = extra.getOutputStream();
                out.write("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = extra.getInputStream();
                int read;
                try {
                    read = in.read();
                } catch (java.net.SocketException reset) {
                    read = -1;
                }
                assertThat(read).as("closed without an answer").isEqualTo(-1);
            }
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
        Thread.sleep(300);
        assertThat(gateway.get("/health/live").statusCode()).as("a slot is free again once they closed").isEqualTo(200);
    }
}
