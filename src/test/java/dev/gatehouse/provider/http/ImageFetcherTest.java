package dev.gatehouse.provider.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.call.GatewayException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SSRF guard and limits of the image fetcher. */
class ImageFetcherTest {
    static Vertx vertx;
    static HttpServer server;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(req -> req.response().putHeader("content-type", "image/png")
                .end(Buffer.buffer(new byte[2048]))).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    static boolean allowed(ImageFetcher f, String address) throws Exception {
        return f.allowed(InetAddress.getByName(address));
    }

    @Test
    void refusesNonPublicAddresses() throws Exception {
        ImageFetcher strict = new ImageFetcher(vertx, 1024, Duration.ofSeconds(2), false);
        for (String a : new String[] {"127.0.0.1", "::1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
                "0.0.0.0", "100.64.0.1", "224.0.0.1", "fe80::1", "fd12::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "255.255.255.255"}) {
            assertThat(allowed(strict, a)).as(a).isFalse();
        }
        for (String a : new String[] {"8.8.8.8", "142.250.74.46", "2001:4860:4860::8888"}) {
            assertThat(allowed(strict, a)).as(a).isTrue();
        }
    }

    @Test
    void ipv6FormsCarryingIpv4LoopbackOrPrivateAreRefused() throws Exception {
        ImageFetcher strict = new ImageFetcher(vertx, 1024, Duration.ofSeconds(2), false);
        for (String a : new String[] {"::127.0.0.1", "::10.0.0.1", "::169.254.169.254", "64:ff9b::127.0.0.1", "64:ff9b::a00:1",
                "2002:7f00:1::", "2002:a9fe:a9fe::1", "::ffff:0:127.0.0.1", "2001:0:4136:e378:8000:63bf:80ff:fffe"}) {
            assertThat(allowed(strict, a)).as(a).isFalse();
        }
        for (String a : new String[] {"64:ff9b::808:808", "2002:808:808::1"}) {
            assertThat(allowed(strict, a)).as(a).isTrue();
        }
    }

    @Test
    void loopbackIsRefusedAfterResolutionByDefault() {
        ImageFetcher strict = new ImageFetcher(vertx, 1 << 20, Duration.ofSeconds(2), false);
        Throwable t = failure(strict, "http://localhost:" + server.actualPort() + "/x.png");
        assertThat(t).isInstanceOf(GatewayException.class).hasMessageContaining("non-public address");
        assertThat(((GatewayException) t).status()).isEqualTo(400);
    }

    @Test
    void sizeLimitAndSchemes() throws Exception {
        ImageFetcher small = new ImageFetcher(vertx, 1024, Duration.ofSeconds(2), true);
        assertThat(failure(small, "http://127.0.0.1:" + server.actualPort() + "/big.png")).hasMessageContaining("larger than");
        assertThat(failure(small, "file:///etc/passwd")).hasMessageContaining("only http and https");
        ImageFetcher roomy = new ImageFetcher(vertx, 4096, Duration.ofSeconds(2), true);
        ImageFetcher.Image image = roomy.fetch("http://127.0.0.1:" + server.actualPort() + "/ok.png", "x")
                .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(image.mimeType()).isEqualTo("image/png");
        assertThat(java.util.Base64.getDecoder().decode(image.base64())).hasSize(2048);
    }

    static Throwable failure(ImageFetcher f, String url) {
        try {
            f.fetch(url, "messages[0].content[0].image_url.url").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure for " + url);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
