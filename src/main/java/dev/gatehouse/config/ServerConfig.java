package dev.gatehouse.config;

/**
 * @param maxBodyBytes largest request body accepted (default 32 MiB)
 * @param eventLoops Vert.x event-loop threads; 0 means one per CPU core
 */
public record ServerConfig(String host, int port, long maxBodyBytes, int eventLoops) {

    public static final long DEFAULT_MAX_BODY = 32L * 1024 * 1024;

    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8080, DEFAULT_MAX_BODY, 0);
    }
}
