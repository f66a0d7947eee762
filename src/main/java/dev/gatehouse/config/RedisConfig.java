package dev.gatehouse.config;

/**
 * {@code redis: {url: redis://host:6379, key-prefix: "gh:", expected-nodes: 3, on-outage: {rate-limits: local, budgets: fail-closed}}}
 * (or {@code redis-sentinel://s1:26379,s2:26379#mymaster}: the master that Sentinel names, followed across failovers):
 * when the URL is set, rate-limit buckets, concurrency counters and budget balances live in Redis
 * and are shared by every node, and admin changes to budgets and limits are announced to every
 * node through it; otherwise they are in memory. The key prefix separates gateways (or test runs)
 * that share one Redis.
 *
 * @param rateLimitsOnOutage what rate limits do while Redis is unreachable
 * @param budgetsOnOutage what budgets do while Redis is unreachable
 * @param expectedNodes how many nodes share the limits: under the {@code local} policy each node
 *     enforces its share (limit ÷ expected nodes) on its own
 */
public record RedisConfig(String url, String keyPrefix, OutagePolicy rateLimitsOnOutage, OutagePolicy budgetsOnOutage,
        int expectedNodes) {
    public static final String DEFAULT_KEY_PREFIX = "gh:";
    public static final RedisConfig NONE = new RedisConfig(null);

    /** What a kind of shared state does while Redis cannot be reached. */
    public enum OutagePolicy {
        /** Refuse calls the state applies to (503): never more than the limit, at the cost of availability. */
        FAIL_CLOSED("fail-closed"),
        /** Each node enforces its own share of the limit in memory until Redis is back. */
        LOCAL("local");

        private final String wire;

        OutagePolicy(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static OutagePolicy parse(String s) {
            for (OutagePolicy p : values()) {
                if (p.wire.equals(s)) {
                    return p;
                }
            }
            return null;
        }
    }

    public RedisConfig(String url) {
        this(url, DEFAULT_KEY_PREFIX);
    }

    public RedisConfig(String url, String keyPrefix) {
        this(url, keyPrefix, OutagePolicy.FAIL_CLOSED, OutagePolicy.FAIL_CLOSED, 1);
    }

    public RedisConfig {
        keyPrefix = keyPrefix == null ? DEFAULT_KEY_PREFIX : keyPrefix;
        rateLimitsOnOutage = rateLimitsOnOutage == null ? OutagePolicy.FAIL_CLOSED : rateLimitsOnOutage;
        budgetsOnOutage = budgetsOnOutage == null ? OutagePolicy.FAIL_CLOSED : budgetsOnOutage;
        expectedNodes = Math.max(1, expectedNodes);
    }

    /** The URL with any password hidden, for logs and errors. */
    public static String masked(String url) {
        return url == null ? null : url.replaceAll("//[^@/]*@", "//***@");
    }

    public boolean enabled() {
        return url != null && !url.isBlank();
    }
}
