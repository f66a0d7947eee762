package dev.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.GatewayHarness;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests the HTTP codec refuses, sent over a raw socket: each gets a status and a body in the
 * API's error shape, never an empty body, a 500 or a reset.
 */
class HttpCodecRefusalTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        gateway = GatewayHarness.start(GatewayHarness.mockConfig());
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    record Raw(int status, String head, String body) {}

    static Raw exchange(String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (SocketException refusedWhileSending) {
                // the answer may still be there to read
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            try {
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                    String text = got.toString(StandardCharsets.ISO_8859_1);
                    int end = text.indexOf("\r\n\r\n");
                    if (end > 0 && complete(text, end)) {
                        break;
                    }
                }
            } catch (SocketException reset) {
                // what was read before the reset is the answer
            }
            String text = got.toString(StandardCharsets.UTF_8);
            // HTTP/1.0 when the request line itself could not be parsed; the caller's version otherwise
            assertThat(text).as("an answer, not a bare close").startsWith("HTTP/");
            int end = text.indexOf("\r\n\r\n");
            return new Raw(Integer.parseInt(text.substring(9, 12)), text.substring(0, end), text.substring(end + 4));
        }
    }

    private static boolean complete(String text, int headEnd) {
        for (String line : text.substring(0, headEnd).split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                return text.length() - headEnd - 4 >= Integer.parseInt(line.substring(15).trim());
            }
        }
        return false;
    }

    static JsonNode openAiError(Raw raw, int status) throws Exception {
        assertThat(raw.status()).as(raw.head() + "\n" + raw.body()).isEqualTo(status);
        assertThat(raw.head().toLowerCase()).contains("content-type: application/json");
        JsonNode error = JSON.readTree(raw.body()).path("error");
        assertThat(error.path("message").asText()).isNotBlank();
        assertThat(error.has("type")).isTrue();
        return error;
    }

    @Test
    void chunkSizeThatOverflowsIs400() throws Exception {
        Raw raw = exchange("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + GatewayHarness.MASTER_KEY
                + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n");
        assertThat(openAiError(raw, 400).path("message").asText()).contains("chunk");
    }

    @Test
    void garbledRequestLineIs400WithABody() throws Exception {
        Raw raw = exchange("GET /v1/models HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n");
        assertThat(openAiError(raw, 400).path("message").asText()).contains("HTTP");
    }

    @Test
    void hugeHeadersAre431WithABody() throws Exception {
        Raw raw = exchange("GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(10_000) + "\r\n\r\n");
        assertThat(openAiError(raw, 431).path("message").asText()).contains("headers");
    }

    @Test
    void aLongUrlIs414WithABody() throws Exception {
        Raw raw = exchange("GET /v1/models?q=" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(openAiError(raw, 414).path("code").asText()).isEqualTo("uri_too_long");
    }

    /** The caller is still sending when the gateway refuses: the answer must not be lost to a reset. */
    @Test
    void aLongUrlFollowedByMoreDataIs414WithABody() throws Exception {
        Raw raw = exchange("GET /v1/models?q=" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n"
                + ("X-Pad: " + "b".repeat(1_000) + "\r\n").repeat(500) + "\r\n");
        assertThat(openAiError(raw, 414).path("code").asText()).isEqualTo("uri_too_long");
    }

    @Test
    void anUnknownHttpVersionIs505WithABody() throws Exception {
        Raw raw = exchange("GET /v1/models HTTP/2.5\r\nHost: x\r\n\r\n");
        assertThat(openAiError(raw, 505).path("code").asText()).isEqualTo("http_version_not_supported");
    }
}
