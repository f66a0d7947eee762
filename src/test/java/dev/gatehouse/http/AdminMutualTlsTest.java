package dev.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.GatewayHarness;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** server.tls.admin-client-ca: the admin API needs a client certificate from that CA; the rest does not. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminMutualTlsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static GatewayHarness gateway;

    static String copy(String resource) throws Exception {
        Path file = dir.resolve(resource);
        try (InputStream in = AdminMutualTlsTest.class.getResourceAsStream("/tls/" + resource)) {
            Files.copy(in, file);
        }
        return file.toString();
    }

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayHarness.start(GatewayHarness.mockConfig() + """
                server:
                  tls: {cert: "%s", key: "%s", admin-client-ca: "%s"}
                """.formatted(copy("first-cert.pem"), copy("first-key.pem"), copy("second-cert.pem")));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    static Certificate cert(String name) throws Exception {
        try (InputStream in = AdminMutualTlsTest.class.getResourceAsStream("/tls/" + name + "-cert.pem")) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** A client trusting the gateway's certificate, presenting {@code clientName}'s certificate (null: none). */
    static HttpClient client(String clientName) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("gateway", cert("first"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (clientName != null) {
            String pem;
            try (InputStream in = AdminMutualTlsTest.class.getResourceAsStream("/tls/" + clientName + "-key.pem")) {
                pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            }
            byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
            PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", key, "x".toCharArray(), new Certificate[] {cert(clientName)});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "x".toCharArray());
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
    }

    static HttpResponse<String> get(HttpClient client, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gateway.port() + path))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theAdminApiNeedsAClientCertificateFromTheAdminCa() throws Exception {
        try (HttpClient withCert = client("second"); HttpClient without = client(null)) {
            assertThat(get(withCert, "/admin/v1/teams").statusCode()).isEqualTo(200);

            HttpResponse<String> refused = get(without, "/admin/v1/teams");
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(refused.body()).path("error").path("code").asText()).isEqualTo("client_certificate_required");

            assertThat(get(without, "/health/live").statusCode()).as("other endpoints need no certificate").isEqualTo(200);
            assertThat(get(without, "/v1/models").statusCode()).isEqualTo(200);
        }
    }
}
