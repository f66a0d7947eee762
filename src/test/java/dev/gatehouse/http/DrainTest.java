package dev.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.api.Loopback;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.McpTestServer;
import dev.gatehouse.testing.SseCall;
import io.vertx.core.http.RequestOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node draining (what SIGTERM starts, see Gatehouse.drain) in this JVM: readiness goes 503 and
 * liveness stays 200, a new call on a connection kept alive from before gets a 503 in the caller's
 * format with Retry-After and Connection: close and the connection is then closed, a stream in
 * flight finishes, and the drain returns when it has (or at once with drain-timeout 0s); it also
 * waits for an MCP tool call and an admin write that arrived before it, and refuses new tool calls.
 * The process-level test is cluster.GracefulStopTest.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DrainTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"stream\":%s,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    FakeOpenAi upstream;
    GatewayHarness gateway;

    private void start(String drainTimeout) {
        upstream = FakeOpenAi.start();
        gateway = GatewayHarness.start("""
                server:
                  drain-timeout: %s
                providers:
                  a: {kind: openai, base-url: "%s", api-key: %s}
                models:
                  gpt-4o-mini:
                    targets: [{provider: a}]
                """.formatted(drainTimeout, upstream.baseUrl(), FakeOpenAi.DEFAULT_KEY));
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void aDrainingNodeIsNotReadyRefusesNewCallsEvenOnKeptAliveConnectionsAndWaitsForItsStream() throws Exception {
        start("20s");
        try (Socket keptAlive = new Socket("127.0.0.1", gateway.port())) {
            keptAlive.setSoTimeout(5_000);
            // A connection that served a request before the drain and is kept alive.
            Raw first = exchange(keptAlive, "GET /health/ready HTTP/1.1\r\nHost: gatehouse\r\n\r\n");
            assertThat(first.status).isEqualTo(200);
            assertThat(first.headers).doesNotContain("connection: close");

            upstream.chunks(25).chunkDelay(Duration.ofMillis(200)); // a stream of about 5 s
            SseCall stream = openStream();

            AtomicLong drainedAt = new AtomicLong();
            Thread drainer = Thread.ofPlatform().start(() -> {
                gateway.gatehouse().drain();
                drainedAt.set(System.nanoTime());
            });

            HttpResponse<String> ready = awaitNotReady(Duration.ofSeconds(2));
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(ready.body()).path("status").asText()).isEqualTo("draining");
            assertThat(get("/health/live").statusCode()).as("live while draining").isEqualTo(200);

            // A new call on the connection kept alive: refused in OpenAI's shape, and the connection ends.
            String body = CHAT.formatted("false");
            Raw refused = exchange(keptAlive, "POST /v1/chat/completions HTTP/1.1\r\nHost: gatehouse\r\n"
                    + "Authorization: Bearer " + GatewayHarness.MASTER_KEY + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body);
            assertThat(refused.status).isEqualTo(503);
            assertThat(refused.headers).contains("connection: close").contains("retry-after: 1");
            JsonNode error = JSON.readTree(refused.body).path("error");
            assertThat(error.path("code").asText()).isEqualTo("draining");
            assertThat(error.path("message").asText()).contains("shutting down");
            assertThat(keptAlive.getInputStream().read()).as("the server closes the connection").isEqualTo(-1);

            // Anthropic's callers get Anthropic's shape.
            HttpResponse<String> anthropic = http.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/messages"))
                    .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(anthropic.statusCode()).isEqualTo(503);
            assertThat(anthropic.headers().firstValue("retry-after")).hasValue("1");
            assertThat(JSON.readTree(anthropic.body()).path("type").asText()).isEqualTo("error");

            // The node's own requests for a call in flight (tool-loop rounds) are still served;
            // a caller cannot claim that with a made-up mark.
            String mark = Loopback.mark(new RequestOptions()).getHeaders().get("x-gatehouse-loopback");
            assertThat(http.send(chatRequest("x-gatehouse-loopback", "0".repeat(mark.length())), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).as("a forged mark").isEqualTo(503);
            HttpResponse<String> round = http.send(chatRequest("x-gatehouse-loopback", mark), HttpResponse.BodyHandlers.ofString());
            assertThat(round.statusCode()).as(round.body()).isEqualTo(200);

            assertThat(drainer.isAlive()).as("the drain waits for the stream").isTrue();
            stream.readAll(Duration.ofSeconds(15));
            long streamEnded = System.nanoTime();
            assertThat(stream.ended()).isTrue();
            assertThat(stream.text()).contains("data: [DONE]");
            assertThat(stream.chatContent()).as("the whole answer").isEqualTo(FakeOpenAi.DEFAULT_ANSWER);
            drainer.join(5_000);
            assertThat(drainer.isAlive()).as("the drain returns once the stream is done").isFalse();
            assertThat(drainedAt.get() - streamEnded).as("returned about when the stream ended, not at the deadline")
                    .isLessThan(TimeUnit.SECONDS.toNanos(3));
            assertThat(upstream.requestCount()).as("refused calls never reach the upstream").isEqualTo(2);
        }
    }

    @Test
    void theDrainWaitsForAnMcpToolCallAndAnAdminWriteInFlightAndRefusesNewToolCalls() throws Exception {
        try (McpTestServer tools = McpTestServer.start()) {
            upstream = FakeOpenAi.start();
            gateway = GatewayHarness.start("""
                    server:
                      drain-timeout: 20s
                    providers:
                      a: {kind: openai, base-url: "%s", api-key: %s}
                    models:
                      gpt-4o-mini:
                        targets: [{provider: a}]
                    mcp:
                      servers:
                        docs: {transport: streamable-http, url: "%s"}
                    """.formatted(upstream.baseUrl(), FakeOpenAi.DEFAULT_KEY, tools.streamableUrl()));
            long listed = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!mcp("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}").body().contains("docs__slow")
                    && System.nanoTime() < listed) {
                Thread.sleep(50);
            }
            // A tool call of 2 s in flight on /mcp (no /v1 call is), and an admin write whose body is still arriving.
            var toolCall = http.sendAsync(mcpRequest("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
                    + "\"params\":{\"name\":\"docs__slow\",\"arguments\":{\"ms\":2000}}}"), HttpResponse.BodyHandlers.ofString());
            long reached = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (tools.toolCalls() == 0 && System.nanoTime() < reached) {
                Thread.sleep(10);
            }
            assertThat(tools.toolCalls()).as("the tool call reached the MCP server").isEqualTo(1);
            try (Socket admin = new Socket("127.0.0.1", gateway.port())) {
                admin.setSoTimeout(10_000);
                String team = "{\"name\":\"drain-team\"}";
                OutputStream out = admin.getOutputStream();
                out.write(("POST /admin/v1/teams HTTP/1.1\r\nHost: gatehouse\r\nAuthorization: Bearer " + GatewayHarness.MASTER_KEY
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + team.length() + "\r\n\r\n"
                        + team.substring(0, 5)).getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(200); // the request is in (its headers read), its body not yet

                AtomicLong drainedAt = new AtomicLong();
                Thread drainer = Thread.ofPlatform().start(() -> {
                    gateway.gatehouse().drain();
                    drainedAt.set(System.nanoTime());
                });
                assertThat(awaitNotReady(Duration.ofSeconds(2)).statusCode()).isEqualTo(503);

                // A new tool call is refused, in JSON-RPC, with a retry elsewhere.
                HttpResponse<String> refused = mcp("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\","
                        + "\"params\":{\"name\":\"docs__echo\",\"arguments\":{\"text\":\"x\"}}}");
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
                assertThat(JSON.readTree(refused.body()).path("error").path("data").path("code").asText()).isEqualTo("draining");
                assertThat(tools.toolCalls()).as("the refused call never reached the server").isEqualTo(1);

                HttpResponse<String> answered = toolCall.get(10, TimeUnit.SECONDS);
                assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
                assertThat(JSON.readTree(answered.body()).has("result")).as(answered.body()).isTrue();
                Thread.sleep(300);
                assertThat(drainer.isAlive()).as("the drain still waits for the admin write").isTrue();

                out.write(team.substring(5).getBytes(StandardCharsets.UTF_8));
                out.flush();
                long written = System.nanoTime();
                Raw created = read(admin);
                assertThat(created.status).as(created.body).isEqualTo(201);
                drainer.join(5_000);
                assertThat(drainer.isAlive()).as("the drain returns once the admin write is answered").isFalse();
                assertThat(drainedAt.get() - written).isLessThan(TimeUnit.SECONDS.toNanos(2));
            }
        }
    }

    private HttpRequest mcpRequest(String body) {
        return HttpRequest.newBuilder(URI.create(gateway.origin() + "/mcp")).timeout(Duration.ofSeconds(15))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private HttpResponse<String> mcp(String body) throws Exception {
        return http.send(mcpRequest(body), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withDrainTimeoutZeroTheDrainDoesNotWait() throws Exception {
        start("0s");
        upstream.chunks(50).chunkDelay(Duration.ofMillis(200)); // 10 s
        SseCall stream = openStream();
        long t0 = System.nanoTime();
        gateway.gatehouse().drain();
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(2));
        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
        stream.close();
    }

    private HttpRequest chatRequest(String header, String value) {
        return HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions")).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).header("Content-Type", "application/json")
                .header(header, value).POST(HttpRequest.BodyPublishers.ofString(CHAT.formatted("false"))).build();
    }

    /** Starts a slow stream and returns once its first event arrived. */
    private SseCall openStream() throws Exception {
        SseCall stream = SseCall.post(gateway, "/v1/chat/completions", CHAT.formatted("true"));
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.nextData(Duration.ofSeconds(10))).isNotNull();
        return stream;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.origin() + path)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> awaitNotReady(Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        HttpResponse<String> ready;
        while ((ready = get("/health/ready")).statusCode() == 200 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return ready;
    }

    /** One HTTP/1.1 answer read off a raw socket: status, headers (lower-cased lines), body (by Content-Length). */
    record Raw(int status, String headers, String body) {}

    private static Raw exchange(Socket socket, String request) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return read(socket);
    }

    /** Reads one HTTP/1.1 answer off the socket. */
    private static Raw read(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before the answer's headers: " + head);
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String headers = head.toString(StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
        int status = Integer.parseInt(headers.substring(9, 12));
        int length = 0;
        for (String line : headers.split("\r\n")) {
            if (line.startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return new Raw(status, headers, new String(body, StandardCharsets.UTF_8));
    }
}
