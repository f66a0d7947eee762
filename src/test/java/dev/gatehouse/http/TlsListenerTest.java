package dev.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.GatewayHarness;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener serves HTTPS from PEM files, speaks HTTP/2 over TLS (ALPN), and serves a renewed
 * certificate once its files change, without a restart.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsListenerTest {
    @TempDir
    static Path dir;
    static GatewayHarness gateway;
    static SSLContext trusting;

    @BeforeAll
    static void start() throws Exception {
        install("first");
        gateway = GatewayHarness.start(GatewayHarness.mockConfig() + """
                server:
                  tls: {cert: "%s", key: "%s", reload-check: 200ms}
                """.formatted(dir.resolve("cert.pem"), dir.resolve("key.pem")));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        for (String name : new String[] {"first", "second"}) {
            try (InputStream in = TlsListenerTest.class.getResourceAsStream("/tls/" + name + "-cert.pem")) {
                trust.setCertificateEntry(name, x509.generateCertificate(in));
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    /** Writes the named pair where the gateway reads it (key first, as a renewal tool might). */
    static void install(String name) throws Exception {
        for (String part : new String[] {"key", "cert"}) {
            Path tmp = dir.resolve(part + ".tmp");
            try (InputStream in = TlsListenerTest.class.getResourceAsStream("/tls/" + name + "-" + part + ".pem")) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, dir.resolve(part + ".pem"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** A fresh client (a new connection, a new handshake) asking for /health/live over HTTPS. */
    static HttpResponse<String> get() throws Exception {
        try (HttpClient client = HttpClient.newBuilder().sslContext(trusting).connectTimeout(Duration.ofSeconds(5)).build()) {
            return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gateway.port() + "/health/live"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    static String servedName(HttpResponse<String> response) throws Exception {
        X509Certificate cert = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        return cert.getSubjectX500Principal().getName();
    }

    @Test
    void servesHttpsOverHttp2AndARenewedCertificateWithoutARestart() throws Exception {
        HttpResponse<String> first = get();
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(servedName(first)).isEqualTo("CN=gatehouse-test-first");

        Thread.sleep(20); // a different modification time even on coarse file systems
        install("second");
        String served = servedName(first);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!served.equals("CN=gatehouse-test-second") && System.nanoTime() < deadline) {
            Thread.sleep(100);
            HttpResponse<String> next = get();
            assertThat(next.statusCode()).isEqualTo(200);
            served = servedName(next);
        }
        assertThat(served).isEqualTo("CN=gatehouse-test-second");
    }
}
