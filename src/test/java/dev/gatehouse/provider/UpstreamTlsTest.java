package dev.gatehouse.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A provider behind HTTPS with a private CA that requires a client certificate (mTLS): reached
 * with its own {@code tls} settings, refused without them, and the settings of one provider do not
 * apply to another.
 */
class UpstreamTlsTest {
    @TempDir
    static Path dir;
    static FakeOpenAi upstream;
    static GatewayHarness gateway;

    static String copy(String resource) throws Exception {
        Path file = dir.resolve(resource);
        try (InputStream in = UpstreamTlsTest.class.getResourceAsStream("/tls/" + resource)) {
            Files.copy(in, file);
        }
        return file.toString();
    }

    @BeforeAll
    static void start() throws Exception {
        String serverCert = copy("first-cert.pem");
        String serverKey = copy("first-key.pem");
        String clientCert = copy("second-cert.pem");
        String clientKey = copy("second-key.pem");
        // The upstream's certificate is self-signed (its own CA) and it accepts only the "second" client certificate.
        upstream = FakeOpenAi.startHttps(options -> options
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(serverCert).setKeyPath(serverKey))
                .setTrustOptions(new PemTrustOptions().addCertPath(clientCert))
                .setClientAuth(ClientAuth.REQUIRED));
        gateway = GatewayHarness.start("""
                providers:
                  internal:
                    kind: openai
                    base-url: "%s"
                    api-key: %s
                    tls: {ca: "%s", cert: "%s", key: "%s"}
                  no-client-cert:
                    kind: openai
                    base-url: "%s"
                    api-key: %s
                    tls: {ca: "%s"}
                  system-cas:
                    kind: openai
                    base-url: "%s"
                    api-key: %s
                models:
                  mtls: {targets: [{provider: internal, model: gpt-4o}]}
                  no-cert: {targets: [{provider: no-client-cert, model: gpt-4o}]}
                  untrusted: {targets: [{provider: system-cas, model: gpt-4o}]}
                """.formatted(upstream.baseUrl(), FakeOpenAi.DEFAULT_KEY, serverCert, clientCert, clientKey,
                upstream.baseUrl(), FakeOpenAi.DEFAULT_KEY, serverCert, upstream.baseUrl(), FakeOpenAi.DEFAULT_KEY));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    static HttpResponse<String> chat(String model) {
        return gateway.post("/v1/chat/completions", "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    @Test
    void aProviderWithItsOwnCaAndClientCertificateIsReached() {
        HttpResponse<String> response = chat("mtls");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(upstream.requestCount()).isEqualTo(1);
    }

    @Test
    void withoutTheClientCertificateOrTheCaTheHandshakeFails() {
        int before = upstream.requestCount();
        assertThat(chat("no-cert").statusCode()).isEqualTo(502);
        assertThat(chat("untrusted").statusCode()).as("the system CAs do not trust a private CA").isEqualTo(502);
        assertThat(upstream.requestCount()).isEqualTo(before);
    }
}
