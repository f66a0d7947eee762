package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A caller that goes away mid-stream must not leave the upstream generating (and billing) tokens. */
class ClientDisconnectTest {
    static final String BODY = "{\"model\":\"slow\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static FakeOpenAi fake;
    static FakeOpenAi other;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        fake = FakeOpenAi.start();
        other = FakeOpenAi.start();
        gateway = GatewayHarness.start("""
                providers:
                  up: {kind: openai, base-url: "%s", api-key: %s}
                  other: {kind: openai, base-url: "%s", api-key: %s}
                models:
                  slow:
                    targets: [{provider: up, model: gpt-4o}]
                  pair:
                    timeouts: {first-byte: 1s}
                    targets: [{provider: up, model: gpt-4o}, {provider: other, model: gpt-4o}]
                """.formatted(fake.baseUrl(), FakeOpenAi.DEFAULT_KEY, other.baseUrl(), FakeOpenAi.DEFAULT_KEY));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        fake.close();
        other.close();
    }

    @BeforeEach
    void slowLongStream() {
        fake.reset().chunks(40).chunkDelay(Duration.ofMillis(200));
        other.reset();
    }

    @Test
    void closingBeforeTheUpstreamAnsweredCancelsItAndTriesNoOtherTarget() throws Exception {
        fake.headDelay(Duration.ofMillis(3000));
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            byte[] body = BODY.replace("slow", "pair").getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + GatewayHarness.MASTER_KEY + "\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            assertThat(fake.awaitRequests(1, Duration.ofSeconds(3))).isTrue();
        }
        assertThat(fake.awaitClientDisconnects(1, Duration.ofSeconds(2))).isTrue();
        Thread.sleep(1500); // past the first-byte deadline: a live call would have moved on by now
        assertThat(other.requestCount()).as("no attempt for a caller that has gone").isZero();
    }

    @Test
    void closingTheHttp11ConnectionCancelsTheUpstream() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(5000);
            byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + GatewayHarness.MASTER_KEY + "\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).startsWith("HTTP/1.1 200");
            String line;
            do {
                line = in.readLine();
            } while (line != null && !line.startsWith("data:"));
            assertThat(line).as("first data line").isNotNull();
        }
        // The socket is closed: within a couple of seconds the fake must see the gateway hang up.
        assertThat(fake.awaitClientDisconnects(1, Duration.ofSeconds(3))).isTrue();
        assertThat(fake.requestCount()).isEqualTo(1);
    }

    @Test
    void resettingAnHttp2StreamCancelsTheUpstream() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            HttpClient client = vertx.createHttpClient(new HttpClientOptions()
                    .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
            CompletableFuture<HttpClientRequest> firstChunk = new CompletableFuture<>();
            client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(gateway.port())
                            .setURI("/v1/chat/completions")
                            .putHeader("authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                            .putHeader("content-type", "application/json"))
                    .onFailure(firstChunk::completeExceptionally)
                    .onSuccess(request -> request.send(Buffer.buffer(BODY)).onComplete(sent -> {
                        if (sent.failed()) {
                            firstChunk.completeExceptionally(sent.cause());
                            return;
                        }
                        HttpClientResponse response = sent.result();
                        if (response.version() != HttpVersion.HTTP_2 || response.statusCode() != 200) {
                            firstChunk.completeExceptionally(new AssertionError(
                                    "expected HTTP/2 200, got " + response.version() + " " + response.statusCode()));
                            return;
                        }
                        response.handler(chunk -> firstChunk.complete(request));
                    }));
            HttpClientRequest request = firstChunk.get(5, TimeUnit.SECONDS);
            request.reset(); // RST_STREAM: this request is abandoned, the connection stays open
            assertThat(fake.awaitClientDisconnects(1, Duration.ofSeconds(3))).isTrue();
        } finally {
            vertx.close().await(5, TimeUnit.SECONDS);
        }
    }
}
