package dev.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.cluster.Cluster.Node;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.SseCall;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGTERM to a real gateway process (on PostgreSQL) while it relays a slow stream from an upstream
 * in this JVM: the node reports not-ready at once and stays live, refuses a new call with a 503
 * and Retry-After, lets the stream finish whole, writes its request-log record, and exits when the
 * stream is done, well before its drain deadline.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class GracefulStopTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);
    /** 25 chunks 200 ms apart: the stream outlives the checks made while the node drains. */
    private static final int CHUNKS = 25;
    private FakeOpenAi upstream;
    private Cluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private String config(Cluster c) {
        return """
                server:
                  event-loops: 1
                  drain-timeout: %ds
                auth:
                  master-key: %s
                storage:
                  url: "%s"
                providers:
                  slow: {kind: openai, base-url: "%s", api-key: %s}
                models:
                  gpt-4o-mini:
                    targets: [{provider: slow}]
                """.formatted(DRAIN_TIMEOUT.toSeconds(), Cluster.MASTER_KEY, c.postgresUrl(), upstream.baseUrl(), FakeOpenAi.DEFAULT_KEY);
    }

    @Test
    void onSigtermANodeStopsTakingCallsFinishesItsStreamLogsItAndExitsBeforeTheDeadline() throws Exception {
        upstream = FakeOpenAi.start().chunks(CHUNKS).chunkDelay(Duration.ofMillis(200));
        cluster = Cluster.start(1, this::config);
        Node node = cluster.node(0);
        String requestId = "drain-" + cluster.run;
        SseCall stream = openStream(node, requestId);
        int upstreamRequests = upstream.requestCount(); // the stream's, and the node's connectivity check at start

        long sigterm = System.nanoTime();
        node.process.destroy(); // SIGTERM

        // Not ready at once (the load balancer stops sending calls), live all along (no restart).
        HttpResponse<String> ready;
        while ((ready = get(node, "/health/ready")).statusCode() == 200
                && System.nanoTime() - sigterm < TimeUnit.SECONDS.toNanos(3)) {
            Thread.sleep(10);
        }
        long notReadyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
        assertThat(ready.statusCode()).as("readiness %d ms after SIGTERM", notReadyMs).isEqualTo(503);
        assertThat(JSON.readTree(ready.body()).path("status").asText()).isEqualTo("draining");
        assertThat(get(node, "/health/live").statusCode()).isEqualTo(200);

        // A new call is refused, in the caller's format, with a delay to retry after (on another node).
        HttpResponse<String> refused = cluster.http.send(chat(node, "refused-" + cluster.run, false).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
        assertThat(JSON.readTree(refused.body()).path("error").path("code").asText()).isEqualTo("draining");
        assertThat(node.process.isAlive()).as("the node waits for its stream").isTrue();

        // The open stream finishes whole.
        stream.readAll(DRAIN_TIMEOUT);
        assertThat(stream.ended()).isTrue();
        assertThat(stream.text()).contains("data: [DONE]");
        assertThat(stream.chatContent()).as("the whole answer").isEqualTo(FakeOpenAi.DEFAULT_ANSWER);

        // The node exits once its stream is done, not at the deadline.
        assertThat(node.process.waitFor(DRAIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("exited before the drain deadline:\n%s",
                cluster.tail(node)).isTrue();
        long exitMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
        System.out.printf("SIGTERM: not ready after %d ms, exited after %d ms (stream of %d chunks 200 ms apart, drain-timeout %s)%n",
                notReadyMs, exitMs, CHUNKS, DRAIN_TIMEOUT);
        assertThat(exitMs).isLessThan(DRAIN_TIMEOUT.toMillis());
        assertThat(Files.readString(node.log)).contains("drained in");

        // Its request-log record was written before the exit (read from the database the node used).
        try (Connection c = DriverManager.getConnection(cluster.directPostgresUrl());
                PreparedStatement st = c.prepareStatement("SELECT status, stream, output_tokens FROM request_log WHERE request_id = ?")) {
            st.setString(1, requestId);
            try (ResultSet rs = st.executeQuery()) {
                assertThat(rs.next()).as("request-log record of the stream").isTrue();
                assertThat(rs.getInt("status")).isEqualTo(200);
                assertThat(rs.getInt("stream")).isEqualTo(1);
                assertThat(rs.getLong("output_tokens")).isPositive();
            }
        }
        assertThat(upstream.requestCount()).as("the refused call never reached the upstream").isEqualTo(upstreamRequests);
    }

    private HttpRequest.Builder chat(Node node, String requestId, boolean stream) {
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        return HttpRequest.newBuilder(URI.create(node.origin() + "/v1/chat/completions")).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + Cluster.MASTER_KEY).header("Content-Type", "application/json")
                .header("x-request-id", requestId).POST(HttpRequest.BodyPublishers.ofString(body));
    }

    /** Starts the slow stream and returns once its first event arrived. */
    private SseCall openStream(Node node, String requestId) throws Exception {
        SseCall stream = SseCall.send(chat(node, requestId, true));
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.nextData(Duration.ofSeconds(10))).isNotNull();
        return stream;
    }

    private HttpResponse<String> get(Node node, String path) throws Exception {
        return cluster.http.send(HttpRequest.newBuilder(URI.create(node.origin() + path)).timeout(Duration.ofSeconds(2)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
