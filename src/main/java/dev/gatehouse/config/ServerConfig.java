package dev.gatehouse.config;

import java.time.Duration;

/**
 * @param maxBodyBytes largest request body accepted (default 32 MiB)
 * @param eventLoops Vert.x event-loop threads; 0 means one per CPU core
 * @param requestTimeout deadline to receive a request's headers and body, from its first byte
 *     (default 30 s); zero for none
 * @param maxUploadBytes largest multipart upload (audio to transcribe, images to edit), streamed to an
 *     encrypted spool file rather than held in memory (default 64 MiB)
 */
public record ServerConfig(String host, int port, long maxBodyBytes, int eventLoops, Duration requestTimeout, long maxUploadBytes) {

    public static final long DEFAULT_MAX_UPLOAD = 64L * 1024 * 1024;

    public ServerConfig(String host, int port, long maxBodyBytes, int eventLoops, Duration requestTimeout) {
        this(host, port, maxBodyBytes, eventLoops, requestTimeout, DEFAULT_MAX_UPLOAD);
    }

    public static final long DEFAULT_MAX_BODY = 32L * 1024 * 1024;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8080, DEFAULT_MAX_BODY, 0, DEFAULT_REQUEST_TIMEOUT);
    }
}
