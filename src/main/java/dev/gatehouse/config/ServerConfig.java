package dev.gatehouse.config;

import java.time.Duration;

/**
 * @param maxBodyBytes largest request body accepted (default 32 MiB)
 * @param eventLoops Vert.x event-loop threads; 0 means one per CPU core
 * @param requestTimeout deadline to receive a request's headers and body, from its first byte
 *     (default 30 s); zero for none. It also bounds a slow sender of headers (slowloris).
 * @param limits what one node takes on at once and per connection (overload protection)
 * @param tls HTTPS on the listener, or null for plain HTTP
 * @param maxUploadBytes largest multipart upload (audio to transcribe, images to edit), streamed to an
 *     encrypted spool file rather than held in memory (default 64 MiB)
 * @param drainTimeout how long a stopping node (SIGTERM) waits for its calls in flight, streams
 *     included, before it closes (default 30 s); zero: it does not wait
 */
public record ServerConfig(
        String host, int port, long maxBodyBytes, int eventLoops, Duration requestTimeout, Limits limits, Tls tls,
        long maxUploadBytes, Duration drainTimeout) {

    public static final long DEFAULT_MAX_BODY = 32L * 1024 * 1024;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final long DEFAULT_MAX_UPLOAD = 64L * 1024 * 1024;
    /** Long enough for most streams to end; the Helm chart's grace period leaves room for it. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    public ServerConfig {
        limits = limits == null ? Limits.DEFAULTS : limits;
        maxUploadBytes = maxUploadBytes <= 0 ? DEFAULT_MAX_UPLOAD : maxUploadBytes;
        drainTimeout = drainTimeout == null ? DEFAULT_DRAIN_TIMEOUT : drainTimeout;
    }

    public ServerConfig(String host, int port, long maxBodyBytes, int eventLoops, Duration requestTimeout, Limits limits, Tls tls,
            long maxUploadBytes) {
        this(host, port, maxBodyBytes, eventLoops, requestTimeout, limits, tls, maxUploadBytes, DEFAULT_DRAIN_TIMEOUT);
    }

    public ServerConfig(String host, int port, long maxBodyBytes, int eventLoops, Duration requestTimeout) {
        this(host, port, maxBodyBytes, eventLoops, requestTimeout, Limits.DEFAULTS, null, DEFAULT_MAX_UPLOAD);
    }

    public ServerConfig(String host, int port, long maxBodyBytes, int eventLoops, Duration requestTimeout, long maxUploadBytes) {
        this(host, port, maxBodyBytes, eventLoops, requestTimeout, Limits.DEFAULTS, null, maxUploadBytes);
    }

    public ServerConfig(String host, int port, long maxBodyBytes, int eventLoops, Duration requestTimeout, Limits limits, Tls tls) {
        this(host, port, maxBodyBytes, eventLoops, requestTimeout, limits, tls, DEFAULT_MAX_UPLOAD);
    }

    /**
     * HTTPS (HTTP/1.1 and HTTP/2 by ALPN) from a PEM certificate chain and private key, read again
     * when either file changes (checked every {@code reloadCheck}), so a renewed certificate
     * (cert-manager, certbot) is served without a restart.
     *
     * @param adminClientCaPath when set, the admin API ({@code /admin/...}) requires a client
     *     certificate issued by one of these PEM CAs (mutual TLS), on top of its key; other
     *     endpoints do not ask for one
     */
    public record Tls(String certPath, String keyPath, Duration reloadCheck, String adminClientCaPath) {
        public static final Duration DEFAULT_RELOAD_CHECK = Duration.ofSeconds(10);

        public Tls(String certPath, String keyPath, Duration reloadCheck) {
            this(certPath, keyPath, reloadCheck, null);
        }
    }

    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8080, DEFAULT_MAX_BODY, 0, DEFAULT_REQUEST_TIMEOUT);
    }

    /**
     * @param maxInFlight API calls served at once by this node; more get a 503 with Retry-After.
     *     0: sized from the maximum heap (see {@link #inFlightFor})
     * @param maxConnections open client connections; a connection beyond it is closed at once.
     *     0: twice the in-flight limit
     * @param maxHeaders header lines per request (431 beyond)
     * @param maxHeaderBytes all of a request's headers together (431 beyond)
     * @param maxRequestLine the request line: method, URL, version (414 beyond)
     */
    public record Limits(int maxInFlight, int maxConnections, int maxHeaders, int maxHeaderBytes, int maxRequestLine) {
        public static final Limits DEFAULTS = new Limits(0, 0, 100, 8192, 4096);

        /**
         * Heap kept for everything but calls (caches, routing tables, buffers of the idle node),
         * and what one call in flight holds at most on the usual path (a stream's two connections,
         * their queues and buffers: ~35 KB measured with 5,000 open streams, see docs/performance.md).
         */
        static final long BASE_HEAP = 64L << 20;
        static final long PER_CALL = 40L << 10;

        /** The in-flight limit in force: configured, or what {@code maxHeapBytes} holds. */
        public int inFlight(long maxHeapBytes) {
            return maxInFlight > 0 ? maxInFlight : inFlightFor(maxHeapBytes);
        }

        public int connections(long maxHeapBytes) {
            return maxConnections > 0 ? maxConnections : 2 * inFlight(maxHeapBytes);
        }

        /** (heap − 64 MiB) / 40 KiB, at least 64: about 6,300 with the launcher's -Xmx320m (the JVM reports ~310 MiB). */
        public static int inFlightFor(long maxHeapBytes) {
            return (int) Math.max(64, Math.min(Integer.MAX_VALUE / 2, (maxHeapBytes - BASE_HEAP) / PER_CALL));
        }
    }
}
