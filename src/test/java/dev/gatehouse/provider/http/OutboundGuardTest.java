package dev.gatehouse.provider.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.OutboundConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The one SSRF guard: each address class, IPv6 forms carrying IPv4, config exceptions, DNS rebinding, redirects. */
class OutboundGuardTest {
    static Vertx vertx;
    static HttpServer server;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(req -> {
            if (req.path().startsWith("/redirect")) {
                req.response().setStatusCode(302).putHeader("location", req.getParam("to")).end();
            } else {
                req.response().putHeader("content-type", "image/png").end(Buffer.buffer(new byte[16]));
            }
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    static final OutboundGuard STRICT = new OutboundGuard(OutboundConfig.DEFAULTS);

    static String refusal(OutboundGuard guard, String address) throws UnknownHostException {
        return guard.refusal(InetAddress.getByName(address));
    }

    @Test
    void eachAddressClassIsRefused() throws Exception {
        String[][] cases = {
                {"127.0.0.1", "loopback"}, {"127.255.0.9", "loopback"}, {"::1", "loopback"},
                {"10.1.2.3", "private"}, {"172.16.0.1", "private"}, {"172.31.255.255", "private"}, {"192.168.0.1", "private"},
                {"fc00::1", "private"}, {"fd12:3456::1", "private"}, {"fec0::1", "private"},
                {"169.254.1.1", "link-local"}, {"fe80::1", "link-local"},
                {"100.64.0.1", "carrier-grade NAT"}, {"100.127.255.254", "carrier-grade NAT"},
                {"224.0.0.1", "multicast"}, {"239.255.255.250", "multicast"}, {"ff02::1", "multicast"},
                {"0.0.0.0", "unspecified"}, {"::", "unspecified"},
                {"255.255.255.255", "reserved or broadcast"}, {"240.0.0.1", "reserved or broadcast"},
                {"169.254.169.254", "cloud metadata"}, {"fd00:ec2::254", "cloud metadata"}, {"100.100.100.200", "cloud metadata"},
        };
        for (String[] c : cases) {
            assertThat(refusal(STRICT, c[0])).as(c[0]).isEqualTo(c[1]);
        }
        for (String a : List.of("8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2001:4860:4860::8888", "2606:4700::1111")) {
            assertThat(refusal(STRICT, a)).as(a).isNull();
        }
    }

    @Test
    void ipv6FormsThatCarryIpv4AreJudgedByTheIpv4Address() throws Exception {
        String[][] cases = {
                {"::127.0.0.1", "loopback"}, // IPv4-compatible
                {"::ffff:127.0.0.1", "loopback"}, {"::ffff:10.0.0.1", "private"}, // IPv4-mapped
                {"::ffff:0:192.168.1.1", "private"}, // IPv4-translated
                {"64:ff9b::127.0.0.1", "loopback"}, {"64:ff9b::a9fe:a9fe", "cloud metadata"}, // NAT64
                {"2002:7f00:1::", "loopback"}, {"2002:0a00:0001::1", "private"}, // 6to4
                {"2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"}, // Teredo, client 127.0.0.1 inverted
        };
        for (String[] c : cases) {
            assertThat(refusal(STRICT, c[0])).as(c[0]).isEqualTo(c[1]);
        }
        for (String a : List.of("::8.8.8.8", "64:ff9b::808:808", "2002:808:808::1")) {
            assertThat(refusal(STRICT, a)).as(a).isNull();
        }
    }

    @Test
    void configAllowsPrivateAddressesAndListedHostsButNeverMetadata() throws Exception {
        OutboundGuard open = new OutboundGuard(new OutboundConfig(true, List.of()));
        for (String a : List.of("127.0.0.1", "10.0.0.1", "fd12::1", "100.64.0.1", "169.254.1.1", "::127.0.0.1")) {
            assertThat(refusal(open, a)).as(a).isNull();
        }
        for (String a : List.of("169.254.169.254", "fd00:ec2::254", "0.0.0.0", "224.0.0.1")) {
            assertThat(refusal(open, a)).as(a).isNotNull();
        }
        assertThatThrownBy(() -> open.check("metadata.google.internal.")).isInstanceOf(OutboundGuard.Refused.class)
                .hasMessageContaining("metadata");

        OutboundGuard.Resolver internal = host -> new InetAddress[] {InetAddress.getByName("10.9.8.7")};
        OutboundGuard listed = new OutboundGuard(new OutboundConfig(false, List.of("images.corp.example", "*.cdn.example")), false, internal);
        assertThat(listed.check("images.corp.example").getHostAddress()).isEqualTo("10.9.8.7");
        assertThat(listed.check("a.b.CDN.example").getHostAddress()).isEqualTo("10.9.8.7");
        assertThatThrownBy(() -> listed.check("other.example")).isInstanceOf(OutboundGuard.Refused.class)
                .hasMessageContaining("10.9.8.7").hasMessageContaining("private");
        assertThatThrownBy(() -> listed.check("cdn.example.evil")).isInstanceOf(OutboundGuard.Refused.class);
    }

    @Test
    void everyResolvedAddressIsChecked() {
        OutboundGuard.Resolver mixed = host -> new InetAddress[] {InetAddress.getByName("8.8.8.8"), InetAddress.getByName("::127.0.0.1")};
        assertThatThrownBy(() -> new OutboundGuard(OutboundConfig.DEFAULTS, false, mixed).check("mixed.example"))
                .isInstanceOf(OutboundGuard.Refused.class).hasMessageContaining("loopback");
    }

    @Test
    void outboundSectionIsRead() {
        var config = ConfigLoader.parse("""
                providers:
                  mock: {kind: mock}
                models:
                  m: {targets: [{provider: mock}]}
                outbound:
                  allow-private: true
                  allow-hosts: [images.corp.example]
                """, Path.of("gatehouse.yaml"));
        assertThat(config.outbound()).isEqualTo(new OutboundConfig(true, List.of("images.corp.example")));
        var defaults = ConfigLoader.parse("""
                providers:
                  mock: {kind: mock}
                models:
                  m: {targets: [{provider: mock}]}
                """, Path.of("gatehouse.yaml"));
        assertThat(defaults.outbound()).isEqualTo(OutboundConfig.DEFAULTS);
    }

    /** A resolver that answers loopback (where the test server is) the first time, and a private address after. */
    static final class Rebinding implements OutboundGuard.Resolver {
        final AtomicInteger lookups = new AtomicInteger();

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            return new InetAddress[] {InetAddress.getByName(lookups.incrementAndGet() == 1 ? "127.0.0.1" : "10.255.255.1")};
        }
    }

    @Test
    void theFetchConnectsToTheCheckedAddressWithoutASecondLookup() throws Exception {
        Rebinding dns = new Rebinding();
        ImageFetcher fetcher = new ImageFetcher(vertx, 1024, Duration.ofSeconds(3), new OutboundGuard(OutboundConfig.DEFAULTS, true, dns));
        ImageFetcher.Image image = fetcher.fetch("http://rebind.example:" + server.actualPort() + "/a.png", "x")
                .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(image.mimeType()).isEqualTo("image/png");
        assertThat(dns.lookups.get()).isEqualTo(1);
        // A second fetch of the same name resolves again and is judged by the new (private) answer.
        assertThat(failure(fetcher, "http://rebind.example:" + server.actualPort() + "/a.png")).hasMessageContaining("10.255.255.1");
        fetcher.close();
    }

    @Test
    void redirectsArePassedThroughTheGuardAtEveryHop() {
        OutboundGuard.Resolver dns = host -> host.equals("images.example") ? new InetAddress[] {InetAddress.getByName("127.0.0.1")}
                : InetAddress.getAllByName(host);
        OutboundGuard guard = new OutboundGuard(new OutboundConfig(false, List.of("images.example")), false, dns);
        ImageFetcher fetcher = new ImageFetcher(vertx, 1024, Duration.ofSeconds(3), guard);
        String base = "http://images.example:" + server.actualPort();
        for (String target : List.of("http://127.0.0.1:" + server.actualPort() + "/x.png", "http://[::127.0.0.1]:" + server.actualPort()
                + "/x.png", "http://169.254.169.254/latest/meta-data/", "http://[64:ff9b::a00:1]/x.png")) {
            Throwable t = failure(fetcher, base + "/redirect?to=" + java.net.URLEncoder.encode(target, java.nio.charset.StandardCharsets.UTF_8));
            assertThat(t).as(target).hasMessageContaining("non-public address");
        }
        fetcher.close();
    }

    static Throwable failure(ImageFetcher f, String url) {
        try {
            f.fetch(url, "image_url").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure for " + url);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
