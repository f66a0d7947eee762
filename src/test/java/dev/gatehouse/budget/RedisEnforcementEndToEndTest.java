package dev.gatehouse.budget;

import dev.gatehouse.testing.TestRedis;

/** Several-node mode: budgets and limits in Redis (fails, never skips, when Redis is down). */
class RedisEnforcementEndToEndTest extends EnforcementEndToEnd {
    @Override
    String extraConfig() {
        TestRedis.client().shutdown(); // fail fast with a clear message if Redis is not running
        return "redis: {url: \"" + TestRedis.url() + "\"}\n";
    }
}
