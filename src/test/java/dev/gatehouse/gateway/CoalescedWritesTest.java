package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.GatewayHarness;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SSE events that reach the gateway together (one upstream read, each event its own HTTP chunk, as
 * providers send them) leave it as one write to the caller; events that arrive apart are written
 * as they come, never held for the next. Observed on the wire: the caller's chunked response is
 * read chunk by chunk.
 */
class CoalescedWritesTest {
    static final int CONTENT_EVENTS = 4;
    static ServerSocket upstream;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(CoalescedWritesTest::acceptLoop, "coalesced-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
        String base = "http://127.0.0.1:" + upstream.getLocalPort();
        gateway = GatewayHarness.start("""
                providers:
                  burst: {kind: openai, base-url: "%s/burst/v1", api-key: sk-test}
                  paced: {kind: openai, base-url: "%s/paced/v1", api-key: sk-test}
                models:
                  burst: {targets: [{provider: burst, model: gpt-4o}]}
                  paced: {targets: [{provider: paced, model: gpt-4o}]}
                """.formatted(base, base));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @Test
    @Timeout(30)
    void eventsOfOneUpstreamReadLeaveAsOneWrite() throws Exception {
        List<String> chunks = call("burst");
        assertThat(String.join("", chunks)).isEqualTo(String.join("", events()));
        assertThat(chunks).as("HTTP chunks the caller received for %d SSE events sent together", events().size()).hasSize(1);
    }

    @Test
    @Timeout(30)
    void eventsThatArriveApartAreWrittenAsTheyCome() throws Exception {
        List<String> chunks = call("paced");
        List<String> events = events();
        assertThat(String.join("", chunks)).isEqualTo(String.join("", events));
        // The content events came 150 ms apart, each on its own; the rest (finish, usage, [DONE]) together.
        List<String> expected = new ArrayList<>(events.subList(0, CONTENT_EVENTS));
        expected.add(String.join("", events.subList(CONTENT_EVENTS, events.size())));
        assertThat(chunks).isEqualTo(expected);
    }

    /** The stream the upstream sends: content events, the finish, the usage chunk, [DONE]. */
    static List<String> events() {
        List<String> events = new ArrayList<>();
        String head = "data: {\"id\":\"chatcmpl-co\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",";
        for (int i = 0; i < CONTENT_EVENTS; i++) {
            events.add(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word" + i + " \"},\"finish_reason\":null}],\"usage\":null}\n\n");
        }
        events.add(head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n");
        events.add(head + "\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}\n\n");
        events.add("data: [DONE]\n\n");
        return events;
    }

    /** Streams through the gateway (asking for usage, so the bytes pass unchanged) and returns the HTTP chunks of the answer. */
    static List<String> call(String model) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5000);
            socket.setSoTimeout(20_000);
            byte[] body = ("{\"model\":\"" + model + "\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}").getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + GatewayHarness.MASTER_KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            String head = line(in);
            assertThat(head).startsWith("HTTP/1.1 200");
            boolean chunked = false;
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                chunked |= h.equalsIgnoreCase("transfer-encoding: chunked");
            }
            assertThat(chunked).as("a chunked answer").isTrue();
            List<String> chunks = new ArrayList<>();
            for (int size = Integer.parseInt(line(in).trim(), 16); size > 0; size = Integer.parseInt(line(in).trim(), 16)) {
                chunks.add(new String(in.readNBytes(size), StandardCharsets.UTF_8));
                assertThat(line(in)).isEmpty();
            }
            return chunks;
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        if (b < 0) {
            throw new IOException("the connection closed mid-line");
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    private static void acceptLoop() {
        while (!upstream.isClosed()) {
            try {
                Socket socket = upstream.accept();
                Thread.ofVirtual().start(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** One answer per connection: all events in one write (burst), or the content events 150 ms apart (paced). */
    private static void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            socket.setSoTimeout(10_000);
            ByteArrayOutputStream requestLine = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                requestLine.write(b);
            }
            boolean paced = requestLine.toString(StandardCharsets.US_ASCII).contains("/paced/");
            EndlessUpstream.readHead(in);
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            List<String> events = events();
            ByteArrayOutputStream together = new ByteArrayOutputStream();
            for (int i = 0; i < events.size(); i++) {
                byte[] event = events.get(i).getBytes(StandardCharsets.UTF_8);
                together.write((Integer.toHexString(event.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                together.write(event);
                together.write('\r');
                together.write('\n');
                if (paced && i < CONTENT_EVENTS) {
                    out.write(together.toByteArray());
                    out.flush();
                    together.reset();
                    Thread.sleep(150);
                }
            }
            together.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(together.toByteArray());
            out.flush();
        } catch (IOException | InterruptedException e) {
            // the gateway hung up
        }
    }
}
