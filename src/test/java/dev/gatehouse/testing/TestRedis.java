package dev.gatehouse.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.time.Duration;

/**
 * The Redis that tests use (system property {@code gatehouse.test.redis}, set by the build).
 * Fails loudly, never skips, when Redis is not there: a silently skipped test would hide a
 * broken multi-node mode.
 */
public final class TestRedis {
    public static final String PROPERTY = "gatehouse.test.redis";

    private TestRedis() {}

    public static String url() {
        String url = System.getProperty(PROPERTY);
        if (url == null || url.isBlank()) {
            throw new IllegalStateException("System property " + PROPERTY + " is not set (see pom.xml surefire config)");
        }
        return url;
    }

    /** A connected client; throws if Redis is unreachable. */
    public static RedisClient client() {
        RedisURI uri = RedisURI.create(url());
        uri.setTimeout(Duration.ofSeconds(5));
        RedisClient client = RedisClient.create(uri);
        try {
            client.connect().close();
        } catch (RuntimeException e) {
            client.shutdown();
            throw new IllegalStateException("Redis at " + url() + " is required for these tests: " + e.getMessage(), e);
        }
        return client;
    }
}
