package dev.gatehouse.config;

/**
 * {@code redis: {url: redis://host:6379, key-prefix: "gh:"}}: when the URL is set, rate-limit
 * buckets, concurrency counters and budget balances live in Redis and are shared by every node,
 * and admin changes to budgets and limits are announced to every node through it; otherwise they
 * are in memory. The key prefix separates gateways (or test runs) that share one Redis.
 */
public record RedisConfig(String url, String keyPrefix) {
    public static final String DEFAULT_KEY_PREFIX = "gh:";
    public static final RedisConfig NONE = new RedisConfig(null);

    public RedisConfig(String url) {
        this(url, DEFAULT_KEY_PREFIX);
    }

    public RedisConfig {
        keyPrefix = keyPrefix == null ? DEFAULT_KEY_PREFIX : keyPrefix;
    }

    public boolean enabled() {
        return url != null && !url.isBlank();
    }
}
