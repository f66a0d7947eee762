package dev.gatehouse.config;

import java.time.Duration;

/**
 * @param maxBodyBytes largest request body accepted (default 32 MiB)
 * @param eventLoops Vert.x event-loop threads; 0 means one per CPU core
 * @param requestTimeout deadline to receive a request's headers and body, from its first byte
 *     (default 30 s); zero for none
 */
public record ServerConfig(String host, int port, long maxBodyBytes, int eventLoops, Duration requestTimeout) {

    public static final long DEFAULT_MAX_BODY = 32L * 1024 * 1024;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8080, DEFAULT_MAX_BODY, 0, DEFAULT_REQUEST_TIMEOUT);
    }
}
