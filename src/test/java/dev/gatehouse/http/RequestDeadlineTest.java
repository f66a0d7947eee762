package dev.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.GatewayHarness;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * server.request-timeout (1 s here): a request whose headers and body do not arrive in time gets a
 * 408 in the API's error shape and the connection closes; the clock starts with the request's first
 * byte; an idle keep-alive connection, a slow upstream and a long stream are not under it.
 */
class RequestDeadlineTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long DEADLINE_MS = 1_000;
    /** Scheduling noise on a busy build machine; the answer must come well before the next multiple. */
    static final long SLACK_MS = 900;
    static GatewayHarness gateway;
    static final ExecutorService TRICKLERS = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void start() {
        gateway = GatewayHarness.start("""
                server:
                  request-timeout: 1s
                providers:
                  mock: {kind: mock, mock: {chunk-delay: 1ms, output-tokens: 12}}
                  slow: {kind: mock, mock: {latency: 1500ms, output-tokens: 12}}
                  slow-stream: {kind: mock, mock: {chunk-delay: 150ms, output-tokens: 12, tokens-per-chunk: 1}}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  slow-model:
                    targets: [{provider: slow}]
                  slow-stream:
                    targets: [{provider: slow-stream}]
                """);
    }

    @AfterAll
    static void stop() {
        TRICKLERS.shutdownNow();
        gateway.close();
    }

    @Test
    void headersTrickledOneBytePer200msGet408FromTheFirstByte() throws Exception {
        try (Socket socket = socket()) {
            String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + GatewayHarness.MASTER_KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
            long started = System.nanoTime();
            trickle(socket, head.getBytes(StandardCharsets.US_ASCII), 200);
            Answer answer = Answer.read(socket.getInputStream());
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(answer.status).as(answer.toString()).isEqualTo(408);
            assertThat(tookMs).as("408 counted from the first byte, not from the parsed headers").isBetween(DEADLINE_MS - 50, DEADLINE_MS + SLACK_MS);
            JsonNode error = JSON.readTree(answer.body).path("error");
            assertThat(error.path("code").asText()).isEqualTo("request_timeout");
            assertThat(error.path("message").asText()).contains("server.request-timeout");
            assertThat(answer.header("connection")).isEqualTo("close");
            assertThat(closedWithin(socket, 3_000)).as("the connection is closed after the 408").isTrue();
        }
    }

    @Test
    void anOpenAiBodyTrickledPastTheDeadlineGets408InOpenAiShape() throws Exception {
        try (Socket socket = socket()) {
            byte[] body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(StandardCharsets.UTF_8);
            String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + GatewayHarness.MASTER_KEY
                    + "\r\nX-Request-Id: deadline-body-openai\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
            long started = System.nanoTime();
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            trickle(socket, body, 200);
            Answer answer = Answer.read(socket.getInputStream());
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(answer.status).as(answer.toString()).isEqualTo(408);
            assertThat(tookMs).isBetween(DEADLINE_MS - 50, DEADLINE_MS + SLACK_MS);
            JsonNode error = JSON.readTree(answer.body).path("error");
            assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(error.path("code").asText()).isEqualTo("request_timeout");
            assertThat(closedWithin(socket, 3_000)).isTrue();
        }
        JsonNode row = logged("deadline-body-openai");
        assertThat(row.path("status").asInt()).as(row.toString()).isEqualTo(408);
    }

    @Test
    void anAnthropicBodyTrickledPastTheDeadlineGets408InAnthropicShape() throws Exception {
        try (Socket socket = socket()) {
            byte[] body = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                    .getBytes(StandardCharsets.UTF_8);
            String head = "POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + GatewayHarness.MASTER_KEY
                    + "\r\nanthropic-version: 2023-06-01\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
            long started = System.nanoTime();
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            trickle(socket, body, 200);
            Answer answer = Answer.read(socket.getInputStream());
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(answer.status).as(answer.toString()).isEqualTo(408);
            assertThat(tookMs).isBetween(DEADLINE_MS - 50, DEADLINE_MS + SLACK_MS);
            JsonNode json = JSON.readTree(answer.body);
            assertThat(json.path("type").asText()).as(answer.body).isEqualTo("error");
            assertThat(json.path("error").path("message").asText()).contains("server.request-timeout");
            assertThat(closedWithin(socket, 3_000)).isTrue();
        }
    }

    @Test
    void aChunkedBodyThatNeverEndsGets408() throws Exception {
        try (Socket socket = socket()) {
            String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + GatewayHarness.MASTER_KEY
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            // One small chunk every 200 ms: each resets the idle timeout, none ends the body.
            trickle(socket, "1\r\n \r\n".repeat(40).getBytes(StandardCharsets.US_ASCII), 30);
            Answer answer = Answer.read(socket.getInputStream());
            assertThat(answer.status).as(answer.toString()).isEqualTo(408);
        }
    }

    @Test
    void anIdleKeepAliveConnectionOutlivesTheDeadlineAndServesASecondRequest() throws Exception {
        try (Socket socket = socket()) {
            String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            String request = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + GatewayHarness.MASTER_KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            Answer first = Answer.read(socket.getInputStream());
            assertThat(first.status).as(first.toString()).isEqualTo(200);
            Thread.sleep(DEADLINE_MS * 2 + 200); // idle, well past the deadline
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            Answer second = Answer.read(socket.getInputStream());
            assertThat(second.status).as("the same connection serves a second request").isEqualTo(200);
            // The second request gets a fresh deadline: its headers trickled over most of it still make it.
            byte[] third = request.getBytes(StandardCharsets.UTF_8);
            Thread.sleep(DEADLINE_MS + 200);
            long started = System.nanoTime();
            trickle(socket, third, 600 / third.length == 0 ? 1 : 600 / third.length);
            Answer answer = Answer.read(socket.getInputStream());
            assertThat(answer.status).as("sent within %d ms of its first byte", (System.nanoTime() - started) / 1_000_000).isEqualTo(200);
        }
    }

    /**
     * The connection's timer is armed by its first request and re-armed when it fires: a request that
     * starts just before it fires must still get its whole deadline, counted from its own first byte.
     */
    @Test
    void aTrickledRequestAfterAQuickOneIsTimedFromItsOwnFirstByte() throws Exception {
        try (Socket socket = socket()) {
            String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            String request = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + GatewayHarness.MASTER_KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(Answer.read(socket.getInputStream()).status).isEqualTo(200);
            Thread.sleep(DEADLINE_MS * 6 / 10); // the timer the first request armed fires in ~0.4 s
            long started = System.nanoTime();
            trickle(socket, request.getBytes(StandardCharsets.US_ASCII), 200); // never arrives whole in time
            Answer answer = Answer.read(socket.getInputStream());
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(answer.status).as(answer.toString()).isEqualTo(408);
            assertThat(tookMs).as("counted from this request's first byte, not the first request's").isBetween(DEADLINE_MS - 50, DEADLINE_MS + SLACK_MS);
        }
    }

    @Test
    void aSlowUpstreamAnswerPastTheDeadlineStillSucceeds() {
        long started = System.nanoTime();
        HttpResponse<String> r = gateway.post("/v1/chat/completions",
                "{\"model\":\"slow-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat((System.nanoTime() - started) / 1_000_000).isGreaterThan(DEADLINE_MS);
    }

    @Test
    void aStreamLongerThanTheDeadlineIsNotCut() {
        long started = System.nanoTime();
        HttpResponse<String> r = gateway.post("/v1/chat/completions",
                "{\"model\":\"slow-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat((System.nanoTime() - started) / 1_000_000).isGreaterThan(DEADLINE_MS);
        assertThat(r.body()).contains("data: [DONE]");
    }

    @Test
    void manySlowLorisConnectionsDoNotBlockOthersAndAreAllClosed() throws Exception {
        int count = 200;
        List<Socket> sockets = new ArrayList<>();
        List<Future<?>> tricklers = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Socket socket = socket();
                sockets.add(socket);
                tricklers.add(trickle(socket, ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Pad: " + "a".repeat(200))
                        .getBytes(StandardCharsets.US_ASCII), 200));
            }
            long started = System.nanoTime();
            HttpResponse<String> r = gateway.post("/v1/chat/completions",
                    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat((System.nanoTime() - started) / 1_000_000).as("served while %d slow clients trickle", count).isLessThan(DEADLINE_MS);
            for (Socket socket : sockets) {
                Answer answer = Answer.read(socket.getInputStream());
                assertThat(answer.status).isEqualTo(408);
            }
            for (Socket socket : sockets) {
                assertThat(closedWithin(socket, 5_000)).isTrue();
            }
        } finally {
            tricklers.forEach(t -> t.cancel(true));
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    // --- raw HTTP/1.1 over a socket

    static Socket socket() throws IOException {
        Socket socket = new Socket("127.0.0.1", gateway.port());
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        return socket;
    }

    /** Sends {@code bytes} one at a time, {@code gapMs} apart, on another thread until done or refused. */
    static Future<?> trickle(Socket socket, byte[] bytes, long gapMs) {
        return TRICKLERS.submit(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                for (byte b : bytes) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(gapMs);
                }
            } catch (IOException | InterruptedException stopped) {
                // refused or closed by the gateway: what the test expects
            }
            return null;
        });
    }

    static boolean closedWithin(Socket socket, long millis) throws IOException {
        socket.setSoTimeout((int) millis);
        try {
            InputStream in = socket.getInputStream();
            while (in.read() != -1) {
                // drain anything after the answer
            }
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    static JsonNode logged(String id) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/admin/v1/usage/requests/" + id))
                    .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY));
            if (r.statusCode() == 200) {
                return JSON.readTree(r.body());
            }
            Thread.sleep(100);
        }
        throw new AssertionError("request " + id + " not in the request log");
    }

    /** One HTTP/1.1 response read off a socket (Content-Length or chunked bodies). */
    record Answer(int status, List<String> headers, String body) {
        String header(String name) {
            for (String h : headers) {
                int colon = h.indexOf(':');
                if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return h.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                }
            }
            return null;
        }

        static Answer read(InputStream in) throws IOException {
            String statusLine = line(in);
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            List<String> headers = new ArrayList<>();
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                headers.add(h);
            }
            Answer head = new Answer(status, headers, "");
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if ("chunked".equals(head.header("transfer-encoding"))) {
                for (int size = Integer.parseInt(line(in).trim(), 16); size > 0; size = Integer.parseInt(line(in).trim(), 16)) {
                    body.write(in.readNBytes(size));
                    line(in);
                }
                line(in);
            } else if (head.header("content-length") != null) {
                body.write(in.readNBytes(Integer.parseInt(head.header("content-length"))));
            }
            return new Answer(status, headers, body.toString(StandardCharsets.UTF_8));
        }

        static String line(InputStream in) throws IOException {
            StringBuilder s = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c == -1) {
                    throw new IOException("connection closed mid-response after '" + s + "'");
                }
                if (c != '\r') {
                    s.append((char) c);
                }
            }
            return s.toString();
        }
    }
}
