package dev.gatehouse.provider.http;

import dev.gatehouse.call.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;

/**
 * Fetches an image a caller gave by http(s) URL, for providers that only accept bytes (Gemini).
 * The gateway fetching URLs for callers is a server-side request forgery risk, so:
 * <ul>
 *   <li>the host is resolved first and every address checked: loopback, private (10/8, 172.16/12,
 *       192.168/16, fc00::/7), link-local (169.254/16 with cloud metadata, fe80::/10), CGNAT,
 *       multicast, unspecified and reserved ranges are refused;</li>
 *   <li>the connection then goes to the checked address itself (Host header and TLS SNI keep the
 *       name), so a second DNS answer cannot swap in a private address (DNS rebinding);</li>
 *   <li>redirects are followed by hand, at most {@value #MAX_REDIRECTS}, each target checked the same way;</li>
 *   <li>only {@code image/*} responses, at most {@code maxBytes}, within {@code deadline}.</li>
 * </ul>
 * Failures are the caller's to fix (their URL), so they are 400s naming the URL.
 */
public final class ImageFetcher {
    /** Test-only switch: allows loopback (127.0.0.0/8, ::1) so tests can serve images locally. Never set in production. */
    public static final String ALLOW_LOOPBACK_PROPERTY = "gatehouse.test.image-fetch.allow-loopback";
    public static final long DEFAULT_MAX_BYTES = 20L * 1024 * 1024;
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(15);
    private static final int MAX_REDIRECTS = 3;

    /** A fetched image: its MIME type and bytes as base64. */
    public record Image(String mimeType, String base64) {
        public String dataUrl() {
            return "data:" + mimeType + ";base64," + base64;
        }
    }

    private final Vertx vertx;
    private final HttpClient client;
    private final long maxBytes;
    private final Duration deadline;
    private final boolean allowLoopback;

    ImageFetcher(Vertx vertx, long maxBytes, Duration deadline, boolean allowLoopback) {
        this.vertx = vertx;
        // Its own client: connections go to checked IP addresses, and nothing is shared with upstream pools.
        this.client = vertx.createHttpClient(new HttpClientOptions().setForceSni(true)
                .setKeepAlive(false).setConnectTimeout((int) Math.min(deadline.toMillis(), 10_000)));
        this.maxBytes = maxBytes;
        this.deadline = deadline;
        this.allowLoopback = allowLoopback;
    }

    /** The production fetcher: 20 MiB, 15 s, no private addresses. */
    public static ImageFetcher create(Vertx vertx) {
        return new ImageFetcher(vertx, DEFAULT_MAX_BYTES, DEFAULT_DEADLINE, Boolean.getBoolean(ALLOW_LOOPBACK_PROPERTY));
    }

    /** Fetches {@code url}; fails with a 400 {@link GatewayException} ({@code param} is {@code where}). */
    public Future<Image> fetch(String url, String where) {
        Promise<Image> promise = Promise.promise();
        long timer = vertx.setTimer(deadline.toMillis(), t -> promise.tryFail(refused(url, where,
                "it did not arrive within " + deadline.toSeconds() + " s")));
        attempt(url, url, where, 0, promise);
        return promise.future().onComplete(r -> vertx.cancelTimer(timer));
    }

    public void close() {
        client.close();
    }

    private void attempt(String original, String url, String where, int redirects, Promise<Image> promise) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            promise.tryFail(refused(original, where, "it is not a valid URL"));
            return;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            promise.tryFail(refused(original, where, "only http and https URLs can be fetched"));
            return;
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        boolean tls = scheme.equals("https");
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        vertx.executeBlocking(() -> InetAddress.getAllByName(host), false).onComplete(resolved -> {
            if (resolved.failed()) {
                promise.tryFail(refused(original, where, "its host '" + host + "' could not be resolved"));
                return;
            }
            for (InetAddress address : resolved.result()) {
                if (!allowed(address)) {
                    promise.tryFail(refused(original, where, "its host '" + host + "' resolves to the non-public address "
                            + address.getHostAddress() + ", which the gateway does not fetch from"));
                    return;
                }
            }
            InetAddress address = resolved.result()[0];
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.GET)
                    .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
                    .setHost(host)
                    .setPort(port)
                    .setSsl(tls)
                    .setURI(uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery())
                    .setFollowRedirects(false)
                    .setIdleTimeout(deadline.toMillis())
                    .putHeader("accept", "image/*");
            client.request(options)
                    .compose(request -> request.send())
                    .onComplete(response -> {
                        if (response.failed()) {
                            promise.tryFail(refused(original, where, "fetching it failed: " + response.cause().getMessage()));
                            return;
                        }
                        onResponse(original, uri, where, redirects, response.result(), promise);
                    });
        });
    }

    private void onResponse(String original, URI uri, String where, int redirects, HttpClientResponse response,
                            Promise<Image> promise) {
        int status = response.statusCode();
        if (status >= 300 && status < 400 && response.getHeader("location") != null) {
            response.end(); // discard the body
            if (redirects >= MAX_REDIRECTS) {
                promise.tryFail(refused(original, where, "it redirected more than " + MAX_REDIRECTS + " times"));
                return;
            }
            attempt(original, uri.resolve(response.getHeader("location")).toString(), where, redirects + 1, promise);
            return;
        }
        if (status != 200) {
            response.end();
            promise.tryFail(refused(original, where, "its server answered HTTP " + status));
            return;
        }
        String type = response.getHeader("content-type");
        String mime = type == null ? "" : type.split(";")[0].strip().toLowerCase(Locale.ROOT);
        if (!mime.startsWith("image/")) {
            response.end();
            promise.tryFail(refused(original, where, "it is not an image (content type '" + mime + "')"));
            return;
        }
        String length = response.getHeader("content-length");
        if (length != null && parseLong(length) > maxBytes) {
            response.request().reset();
            promise.tryFail(tooLarge(original, where));
            return;
        }
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
            if (body.length() + chunk.length() > maxBytes) {
                response.request().reset();
                promise.tryFail(tooLarge(original, where));
                return;
            }
            body.appendBuffer(chunk);
        });
        response.exceptionHandler(t -> promise.tryFail(refused(original, where, "reading it failed: " + t.getMessage())));
        response.endHandler(v -> promise.tryComplete(new Image(mime, Base64.getEncoder().encodeToString(body.getBytes()))));
    }

    /** Whether the gateway may connect to this address on a caller's behalf. */
    boolean allowed(InetAddress a) {
        if (a.isLoopbackAddress()) {
            return allowLoopback;
        }
        if (a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int b0 = b[0] & 0xff;
            int b1 = b[1] & 0xff;
            return !(b0 == 0 // "this" network
                    || (b0 == 100 && b1 >= 64 && b1 <= 127) // carrier-grade NAT 100.64/10
                    || (b0 == 192 && b1 == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    || (b0 == 198 && (b1 == 18 || b1 == 19)) // benchmarking
                    || b0 >= 240); // reserved and broadcast
        }
        if (a instanceof Inet6Address) {
            int b0 = b[0] & 0xff;
            if ((b0 & 0xfe) == 0xfc) {
                return false; // unique local fc00::/7
            }
            boolean mapped = true; // ::ffff:a.b.c.d written as IPv6: judge the IPv4 address
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return allowed(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
                } catch (java.net.UnknownHostException impossible) {
                    return false;
                }
            }
        }
        return true;
    }

    private GatewayException tooLarge(String url, String where) {
        return refused(url, where, "it is larger than " + (maxBytes / (1024 * 1024)) + " MiB");
    }

    private static GatewayException refused(String url, String where, String why) {
        String shown = url.length() > 200 ? url.substring(0, 200) + "…" : url;
        return new GatewayException(dev.gatehouse.call.ErrorType.INVALID_REQUEST,
                "The image at '" + shown + "' could not be used: " + why + ".", where, "invalid_image_url");
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
