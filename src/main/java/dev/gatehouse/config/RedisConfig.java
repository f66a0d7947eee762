package dev.gatehouse.config;

/**
 * {@code redis: {url: redis://host:6379}}: when set, rate-limit buckets, concurrency counters and
 * budget balances live in Redis and are shared by every node; otherwise they are in memory.
 */
public record RedisConfig(String url) {
    public static final RedisConfig NONE = new RedisConfig(null);

    public boolean enabled() {
        return url != null && !url.isBlank();
    }
}
