package dev.gatehouse.http;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.config.ServerConfig;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.transport.Transport;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The HTTP front door: one server per event loop, all sharing the port (the kernel spreads
 * connections), each with its own router so nothing on the request path is shared across threads.
 */
public final class GatewayServer {
    private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
    static final long REFUSAL_CLOSE_GRACE_MILLIS = 1_000;
    /**
     * How long a connection that got an answer while the node drains may take to finish its
     * request before it is closed anyway; the server stops at the drain deadline in any case.
     */
    static final long DRAINING_CONNECTION_GRACE_MILLIS = 60_000;
    private final Vertx vertx;
    private final Consumer<Router> routes;
    private final Supplier<ServerConfig.Limits> limits;
    private String deploymentId;
    private ServerConfig.Tls tls;
    private CertificateReloader reloader;
    private BooleanSupplier draining = () -> false;
    private final OpenRequests openRequests = new OpenRequests();
    /** Every event loop's server, for certificate reloads. */
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    /** The limits read at start (header and request-line sizes are fixed for the server's life). */
    private volatile ServerConfig.Limits startLimits = ServerConfig.Limits.DEFAULTS;

    /** @param routes mounts the API routes on a fresh router (called once per event loop) */
    public GatewayServer(Vertx vertx, Consumer<Router> routes) {
        this(vertx, routes, () -> ServerConfig.Limits.DEFAULTS);
    }

    /**
     * @param limits the header limits in force: the header count follows reloads, the header and
     *     request-line sizes are read at start (connections are counted by {@link ConnectionLimit})
     */
    public GatewayServer(Vertx vertx, Consumer<Router> routes, Supplier<ServerConfig.Limits> limits) {
        this.vertx = vertx;
        this.routes = routes;
        this.limits = limits;
    }


    /** Serves HTTPS (and HTTP/2 over TLS) from {@code tls}'s PEM files, reloaded when they change; null: plain HTTP. */
    public GatewayServer tls(ServerConfig.Tls tls) {
        this.tls = tls;
        return this;
    }

    /**
     * While {@code draining} is true (the node is stopping) every answer ends its connection, so
     * callers open their next one, which the load balancer sends to another node: HTTP/1.1 answers
     * carry {@code Connection: close} and the connection is closed once the answer is out; HTTP/2
     * connections get a GOAWAY (their open streams finish). The listener stays open: the health
     * endpoints must answer (not ready, still live) and stragglers get a clear 503.
     */
    public GatewayServer draining(BooleanSupplier draining) {
        this.draining = draining;
        return this;
    }

    /** The requests being answered now, of every kind (a stopping node waits for them). */
    public OpenRequests openRequests() {
        return openRequests;
    }

    /** Starts listening; the future gives the bound port (useful with port 0 in tests). */
    public Future<Integer> start(String host, int requestedPort, int instances) {
        startLimits = limits.get();
        int port;
        try {
            port = exclusivePort(host, requestedPort);
        } catch (IOException e) {
            return Future.failedFuture(new IllegalStateException("Cannot listen on " + host + ":" + requestedPort
                    + ": the address is in use (another gateway or program listens there) or not available here: "
                    + e.getMessage(), e));
        }
        int[] boundPort = {port};
        return vertx.deployVerticle(() -> new ServerVerticle(host, port, boundPort), new DeploymentOptions().setInstances(instances))
                .map(id -> {
                    deploymentId = id;
                    if (tls != null) {
                        reloader = new CertificateReloader(vertx, tls, () -> servers);
                        reloader.start();
                    }
                    return boundPort[0];
                });
    }

    /**
     * The port to listen on: {@code port}, or a free one when it is 0, after checking that no other
     * socket listens there. The event loops bind with SO_REUSEPORT so the kernel spreads connections
     * over them; but SO_REUSEPORT also lets a second process of the same user bind the same port and
     * silently take half the connections (another gateway started twice, or with port 0 a port the
     * kernel hands out again: tests saw calls answered by another gateway of the same machine). A
     * plain bind first, without SO_REUSEPORT, fails if anything listens there, reuse-port or not.
     */
    static int exclusivePort(String host, int port) throws IOException {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // a port whose old connections linger in TIME_WAIT is free
            probe.bind(new InetSocketAddress(host, port));
            return probe.getLocalPort();
        }
    }

    /** Checks the certificate files now instead of at the next periodic check (tests, a signal). */
    public Future<Boolean> reloadCertificate() {
        return reloader == null ? Future.succeededFuture(false) : reloader.check();
    }

    /**
     * The Vert.x transport the server needs (the native one when available) to hold each request
     * to {@code requestTimeout} (server.request-timeout, read for each new connection; zero for
     * none) from its first byte: build the {@link Vertx} with it.
     */
    public static Transport transport(Supplier<Duration> requestTimeout) {
        return transport(requestTimeout, new ConnectionLimit());
    }

    /** As {@link #transport(Supplier)}, counting (and beyond its limit, closing) accepted connections. */
    public static Transport transport(Supplier<Duration> requestTimeout, ConnectionLimit connections) {
        return new AcceptingTransport(AcceptingTransport.preferred(), channel -> {
            if (connections.admit(channel)) {
                RequestDeadline.attach(channel, requestTimeout.get());
            }
        });
    }

    public Future<Void> stop() {
        if (reloader != null) {
            reloader.stop();
        }
        return deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId);
    }

    Router router() {
        Router router = Router.router(vertx);
        router.route().handler(ctx -> {
            String id = RequestIds.fromCallerOrNew(ctx.request().getHeader("x-request-id"));
            ctx.put(ErrorWriter.REQUEST_ID, id);
            ctx.response().putHeader(REQUEST_ID, id);
            openRequests.track(ctx);
            if (draining.getAsBoolean()) {
                endConnectionAfter(ctx);
            }
            int maxHeaders = limits.get().maxHeaders();
            if (ctx.request().headers().size() > maxHeaders) {
                // The codec bounds the headers' bytes, not their number; many tiny ones cost a map entry each.
                ErrorWriter.write(ctx, new GatewayException(ErrorType.INVALID_REQUEST, "The request has more than "
                        + maxHeaders + " headers (server.max-headers).", null, "too_many_headers", null, 431));
                return;
            }
            ctx.next();
        });
        if (tls != null && tls.adminClientCaPath() != null) {
            router.route("/admin/*").handler(GatewayServer::requireClientCertificate);
        }
        routes.accept(router);
        router.errorHandler(404, ctx -> ErrorWriter.write(ctx, new GatewayException(ErrorType.NOT_FOUND,
                "Unknown request URL: " + ctx.request().method() + " " + ctx.request().path()
                        + ". Check the path: the API is under /v1 (e.g. POST /v1/chat/completions).", null, "unknown_url")));
        router.errorHandler(405, ctx -> ErrorWriter.write(ctx, new GatewayException(ErrorType.METHOD_NOT_ALLOWED,
                "Method " + ctx.request().method() + " is not allowed on " + ctx.request().path() + ".", null, "method_not_allowed")));
        router.errorHandler(500, ctx -> ErrorWriter.write(ctx, ctx.failure()));
        return router;
    }

    /**
     * The connection ends once this request is answered (and its body received): the next request
     * on a keep-alive connection is never served by a draining node.
     */
    static void endConnectionAfter(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (request.version() == HttpVersion.HTTP_1_1 || request.version() == HttpVersion.HTTP_1_0) {
            request.response().putHeader(HttpHeaders.CONNECTION, "close"); // HTTP/2 forbids the header: GOAWAY says it
        }
        // A refused call's body was never read: read (and drop) the rest, so the connection ends
        // when it is in, instead of waiting for the grace period with the request paused.
        ctx.addEndHandler(done -> {
            if (!request.isEnded()) {
                request.resume();
            }
        });
        request.connection().shutdown(DRAINING_CONNECTION_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The admin API under mutual TLS: only a connection that presented a certificate the admin CA verified gets through. */
    private static void requireClientCertificate(RoutingContext ctx) {
        boolean verified;
        try {
            verified = ctx.request().isSSL() && !ctx.request().connection().peerCertificates().isEmpty();
        } catch (SSLPeerUnverifiedException none) {
            verified = false;
        }
        if (verified) {
            ctx.next();
        } else {
            ErrorWriter.write(ctx, new GatewayException(ErrorType.AUTHENTICATION,
                    "The admin API requires a client certificate (server.tls.admin-client-ca).", null, "client_certificate_required"));
        }
    }

    /**
     * A request the HTTP codec could not parse (bad request line or headers, a URL or headers over
     * the limits): answered in the API's error shape rather than with Vert.x's empty body, then closed.
     */
    void refuseUnparsable(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        String detail = cause == null || cause.getMessage() == null ? "" : cause.getMessage();
        int status = 400;
        String message = "The request is not valid HTTP/1.1: its request line or headers could not be parsed.";
        String code = "bad_http_request";
        if (cause instanceof TooLongFrameException && detail.startsWith("An HTTP line is larger than")) {
            status = 414;
            message = "The request URL is too long (the limit is " + startLimits.maxRequestLine() + " bytes for the request line).";
            code = "uri_too_long";
        } else if (cause instanceof TooLongFrameException && detail.startsWith("HTTP header is larger than")) {
            status = 431;
            message = "The request headers are too large (the limit is " + startLimits.maxHeaderBytes() + " bytes in all).";
            code = "headers_too_large";
        }
        Buffer body = OpenAiErrors.body(new GatewayException(ErrorType.INVALID_REQUEST, message, null, code));
        request.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(body)
                // Closed a moment later, not at once: a caller still sending (the rest of a long URL
                // or of its headers) would otherwise get a reset that can discard this answer unread;
                // meanwhile the codec discards what arrives.
                .onComplete(done -> Vertx.currentContext().owner().setTimer(REFUSAL_CLOSE_GRACE_MILLIS, t -> request.connection().close()));
    }

    private final class ServerVerticle extends VerticleBase {
        private final String host;
        private final int port;
        private final int[] boundPort;
        private HttpServer server;

        ServerVerticle(String host, int port, int[] boundPort) {
            this.host = host;
            this.port = port;
            this.boundPort = boundPort;
        }

        /** 256 KiB (the kernel doubles it): well above a stream's needs, a few MB/s even at 200 ms round trips. */
        static final int SEND_BUFFER_BYTES = 256 * 1024;

        @Override
        public Future<?> start() {
            HttpServerOptions options = new HttpServerOptions()
                    .setHost(host)
                    .setPort(port)
                    .setTcpNoDelay(true)
                    .setTcpFastOpen(true)
                    .setReuseAddress(true)
                    .setReusePort(true)
                    .setIdleTimeout(300)
                    // A fixed send buffer instead of the kernel's auto-tuned one (up to 4 MiB on
                    // Linux): a caller that stops reading holds at most this much in the kernel, and
                    // the stream's back-pressure (see gateway.StreamWriter) pauses the upstream soon after.
                    .setSendBufferSize(SEND_BUFFER_BYTES)
                    .setDecompressionSupported(false)
                    .setCompressionSupported(false)
                    .setMaxHeaderSize(startLimits.maxHeaderBytes())
                    .setMaxInitialLineLength(startLimits.maxRequestLine());
            options.getInitialSettings().setMaxHeaderListSize(startLimits.maxHeaderBytes()); // HTTP/2 (h2c, TLS)
            if (tls != null) {
                // HTTPS; ALPN offers HTTP/2 first, HTTP/1.1 to clients that do not speak it.
                options.setSsl(true).setUseAlpn(true).setKeyCertOptions(CertificateReloader.keyCert(tls));
                if (tls.adminClientCaPath() != null) {
                    // Asked of every client, required (below) on the admin API only: an untrusted
                    // certificate fails the handshake, none at all is let through to the routes.
                    options.setTrustOptions(new PemTrustOptions().addCertPath(tls.adminClientCaPath()))
                            .setClientAuth(ClientAuth.REQUEST);
                }
            }
            server = vertx.createHttpServer(options)
                    .connectionHandler(connection -> {
                        VersionGuard.install(connection);
                        RequestDeadline.install(connection);
                    })
                    .requestHandler(router())
                    .invalidRequestHandler(GatewayServer.this::refuseUnparsable);
            return server.listen().map(s -> {
                servers.add(s);
                synchronized (boundPort) {
                    boundPort[0] = s.actualPort();
                }
                return s;
            });
        }

        @Override
        public Future<?> stop() {
            if (server != null) {
                servers.remove(server);
            }
            return server == null ? Future.succeededFuture() : server.close();
        }
    }
}
