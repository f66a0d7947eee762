package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.GatewayHarness;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A caller that stops reading a stream must stop the gateway reading the upstream: what one
 * stalled stream costs is bounded (a few socket buffers and the response's write queue), not
 * the whole answer held in the heap.
 */
class StalledReaderTest {
    static EndlessUpstream upstream;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new EndlessUpstream();
        gateway = GatewayHarness.start("""
                providers:
                  up: {kind: openai, base-url: "%s", api-key: sk-test}
                models:
                  endless:
                    timeouts: {idle: 60s, total: 120s}
                    targets: [{provider: up, model: gpt-4o}]
                """.formatted(upstream.baseUrl()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @Test
    @Timeout(30)
    void aStalledReaderStopsTheUpstreamRead() throws Exception {
        List<Socket> callers = new ArrayList<>();
        try {
            int streams = 4;
            for (int i = 0; i < streams; i++) {
                callers.add(stalledCaller(gateway.port()));
            }
            long settled = awaitSettled(upstream, streams);
            long perStream = settled / streams;
            assertThat(perStream).as("bytes the gateway read from the upstream per stalled stream").isLessThan(3L << 20);
        } finally {
            for (Socket caller : callers) {
                caller.close();
            }
        }
    }

    /** Sends a streaming request, reads the first bytes of the answer and then never reads again. */
    static Socket stalledCaller(int port) throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(32 * 1024);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        byte[] body = "{\"model\":\"endless\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer " + GatewayHarness.MASTER_KEY + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] head = new byte[12];
        int n = in.readNBytes(head, 0, head.length);
        assertThat(new String(head, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
        return socket;
    }

    /**
     * Waits until the upstream count stops growing (no growth for a whole second) and returns it;
     * fails if it still grows after 15 s, which is what an unbounded read looks like.
     */
    static long awaitSettled(EndlessUpstream upstream, int streams) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        long last = -1;
        int still = 0;
        while (System.nanoTime() < deadline) {
            Thread.sleep(250);
            long now = upstream.accepted();
            if (now == last && upstream.streams() >= streams) {
                if (++still >= 4) {
                    return now;
                }
            } else {
                still = 0;
            }
            last = now;
        }
        throw new AssertionError("the gateway kept reading from the upstream: " + (upstream.accepted() >> 20)
                + " MiB taken by " + streams + " stalled streams and still growing");
    }
}
