package dev.gatehouse.provider.http;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.config.OutboundConfig;
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
 *   <li>every hop passes the one {@link OutboundGuard}: the host is resolved once and each address
 *       judged (loopback, private, link-local, metadata, embedded-IPv4 forms...), unless the
 *       {@code outbound} config allows it;</li>
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
    private final OutboundGuard guard;

    ImageFetcher(Vertx vertx, long maxBytes, Duration deadline, boolean allowLoopback) {
        this(vertx, maxBytes, deadline, new OutboundGuard(OutboundConfig.DEFAULTS, allowLoopback, InetAddress::getAllByName));
    }

    ImageFetcher(Vertx vertx, long maxBytes, Duration deadline, OutboundGuard guard) {
        this.vertx = vertx;
        // Its own client: connections go to checked IP addresses, and nothing is shared with upstream pools.
        this.client = vertx.createHttpClient(new HttpClientOptions().setForceSni(true)
                .setKeepAlive(false).setConnectTimeout((int) Math.min(deadline.toMillis(), 10_000)));
        this.maxBytes = maxBytes;
        this.deadline = deadline;
        this.guard = guard;
    }

    /** The production fetcher: 20 MiB, 15 s, no private addresses unless {@code outbound} allows them. */
    public static ImageFetcher create(Vertx vertx, OutboundConfig outbound) {
        return new ImageFetcher(vertx, DEFAULT_MAX_BYTES, DEFAULT_DEADLINE,
                new OutboundGuard(outbound, Boolean.getBoolean(ALLOW_LOOPBACK_PROPERTY), InetAddress::getAllByName));
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
        vertx.executeBlocking(() -> guard.check(host), false).onComplete(checked -> {
            if (checked.failed()) {
                promise.tryFail(refused(original, where, checked.cause() instanceof OutboundGuard.Refused
                        ? checked.cause().getMessage() : "its host '" + host + "' could not be resolved"));
                return;
            }
            InetAddress address = checked.result();
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
        return guard.refusal(a) == null;
    }

    private GatewayException tooLarge(String url, String where) {
        return refused(url, where, "it is larger than " + (maxBytes / (1024 * 1024)) + " MiB");
    }

    private static GatewayException refused(String url, String where, String why) {
        String shown = url.length() > 200 ? url.substring(0, 200) + "…" : url;
        return new GatewayException(ErrorType.INVALID_REQUEST,
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
