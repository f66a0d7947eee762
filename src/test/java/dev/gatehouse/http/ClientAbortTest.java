package dev.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.GatewayHarness;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A client that goes away mid-body is counted as its own doing (499, CLIENT_CLOSED) in the request
 * log and the metrics, not as a server error, and nothing is logged at ERROR.
 */
class ClientAbortTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String HEAD = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + GatewayHarness.MASTER_KEY
            + "\r\nContent-Type: application/json\r\n";
    static GatewayHarness gateway;
    static ListAppender<ILoggingEvent> errors = new ListAppender<>();
    static Logger errorLogger = (Logger) LoggerFactory.getLogger(ErrorWriter.class);

    @BeforeAll
    static void start() {
        // A second mock that takes 5 s to answer: a caller can leave while the gateway waits for it.
        gateway = GatewayHarness.start("""
                providers:
                  mock: {kind: mock, mock: {chunk-delay: 1ms, output-tokens: 12}}
                  slow: {kind: mock, mock: {latency: 5s}}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  slow-model:
                    targets: [{provider: slow}]
                """);
        errors.start();
        errorLogger.addAppender(errors);
    }

    @AfterAll
    static void stop() {
        errorLogger.detachAppender(errors);
        gateway.close();
    }

    @Test
    void aClientThatAbortsMidBodyIs499NotAServerError() throws Exception {
        String before = metrics();
        errors.list.clear();
        String id = "abort-mid-body-1";
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            OutputStream out = socket.getOutputStream();
            out.write((HEAD + "X-Request-Id: " + id + "\r\nContent-Length: 1000\r\n\r\n{\"model\":").getBytes(StandardCharsets.UTF_8));
            out.flush();
            Thread.sleep(200);
        }
        JsonNode row = requestLogRow(id);
        assertThat(row.path("status").asInt()).as(row.toString()).isEqualTo(499);
        assertThat(row.path("errorClass").asText()).as(row.toString()).isEqualTo("CLIENT_CLOSED");
        String after = metrics();
        assertThat(sample(after, "status_class=\"4xx\"") - sample(before, "status_class=\"4xx\"")).isEqualTo(1);
        assertThat(sample(after, "status_class=\"5xx\"") - sample(before, "status_class=\"5xx\"")).isZero();
        assertThat(errors.list).noneMatch(e -> e.getLevel() == Level.ERROR);
    }

    /**
     * A caller that sent its whole request and leaves while the upstream is still answering (a load
     * generator stopping, a user closing the tab) is 499 CLIENT_CLOSED in the request log too, as in
     * the access log and the metrics: it was recorded as a 400 INVALID_REQUEST, a bad request it never made.
     */
    @Test
    void aClientThatLeavesWhileTheUpstreamAnswersIs499InTheRequestLog() throws Exception {
        errors.list.clear();
        String id = "abort-waiting-1";
        String body = "{\"model\":\"slow-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            OutputStream out = socket.getOutputStream();
            out.write((HEAD + "X-Request-Id: " + id + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            Thread.sleep(500);
        }
        JsonNode row = requestLogRow(id);
        assertThat(row.path("status").asInt()).as(row.toString()).isEqualTo(499);
        assertThat(row.path("errorClass").asText()).as(row.toString()).isEqualTo("CLIENT_CLOSED");
        assertThat(errors.list).noneMatch(e -> e.getLevel() == Level.ERROR);
    }

    /** The request-log row of a call, once the batch writer has stored it (at most 10 s). */
    static JsonNode requestLogRow(String id) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/admin/v1/usage/requests/" + id))
                    .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY));
            if (r.statusCode() == 200) {
                return JSON.readTree(r.body());
            }
            Thread.sleep(100);
        }
        throw new AssertionError("call " + id + " is not in the request log after 10 s");
    }

    static String metrics() {
        HttpResponse<String> r = gateway.get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** The chat-completions request counter with the given status class (0 when absent). */
    static double sample(String text, String statusClass) {
        for (String line : text.split("\n")) {
            if (line.startsWith("gatehouse_requests_total{") && line.contains("endpoint=\"chat_completions\"") && line.contains(statusClass)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
