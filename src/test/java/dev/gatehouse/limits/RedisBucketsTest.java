package dev.gatehouse.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.gatehouse.store.RedisLink;
import io.github.bucket4j.ConsumptionProbe;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Redis token bucket's script on the machine's Redis: its arithmetic and its atomicity. */
class RedisBucketsTest {
    static RedisClient client;
    static StatefulConnection<String, String> connection;
    static RedisBuckets buckets;
    static final String PREFIX = "gh-test-buckets-" + UUID.randomUUID() + ":";

    @BeforeAll
    static void connect() {
        client = RedisClient.create("redis://127.0.0.1:6379");
        RedisLink link = RedisLink.of(client);
        connection = link.connect();
        buckets = new RedisBuckets(link, RedisLink.async(connection), PREFIX);
    }

    @AfterAll
    static void close() {
        var sync = ((io.lettuce.core.api.StatefulRedisConnection<String, String>) connection).sync();
        List<String> keys = sync.keys(PREFIX + "*");
        if (!keys.isEmpty()) {
            sync.del(keys.toArray(String[]::new));
        }
        connection.close();
        client.shutdown();
    }

    static ConsumptionProbe take(String key, long capacity, long tokens) throws Exception {
        return buckets.tryConsume(key, capacity, tokens).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aFullBucketGivesItsCapacityThenSaysHowLongUntilTheNextToken() throws Exception {
        String key = "rpm-" + UUID.randomUUID();
        for (int i = 0; i < 3; i++) {
            ConsumptionProbe p = take(key, 3, 1);
            assertThat(p.isConsumed()).isTrue();
            assertThat(p.getRemainingTokens()).isEqualTo(2 - i);
        }
        ConsumptionProbe refused = take(key, 3, 1);
        assertThat(refused.isConsumed()).isFalse();
        assertThat(refused.getRemainingTokens()).isZero();
        // 3 per minute: one token every 20 s, the whole bucket in 60 s (less the few ms since the first take).
        assertThat(TimeUnit.NANOSECONDS.toMillis(refused.getNanosToWaitForRefill())).isCloseTo(20_000L, within(1_000L));
        assertThat(TimeUnit.NANOSECONDS.toMillis(refused.getNanosToWaitForReset())).isCloseTo(60_000L, within(1_000L));
    }

    @Test
    void refundsNeverExceedTheCapacityAndChargesGoIntoDebt() throws Exception {
        String key = "tpm-" + UUID.randomUUID();
        assertThat(take(key, 100, 60).getRemainingTokens()).isEqualTo(40);
        buckets.refund(key, 100, 500); // an overestimate corrected: back to full, not beyond
        assertThat(take(key, 100, 100).isConsumed()).isTrue();
        assertThat(take(key, 100, 1).isConsumed()).isFalse();
        buckets.charge(key, 100, 50); // an underestimate corrected: 50 tokens of debt
        ConsumptionProbe indebted = take(key, 100, 1);
        assertThat(indebted.isConsumed()).isFalse();
        // 100 per minute refills 1 token per 600 ms: the debt of 50 plus the token asked is ~30.6 s away.
        assertThat(TimeUnit.NANOSECONDS.toMillis(indebted.getNanosToWaitForRefill())).isCloseTo(30_600L, within(1_500L));
    }

    @Test
    void concurrentTakesFromSeveralConnectionsTakeExactlyTheCapacity() throws Exception {
        String key = "hot-" + UUID.randomUUID();
        List<CompletableFuture<ConsumptionProbe>> all = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            all.add(buckets.tryConsume(key, 120, 1));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        long taken = all.stream().filter(f -> f.join().isConsumed()).count();
        // 120 per minute refills one every 500 ms: at most one more may be taken while the 500 run.
        assertThat(taken).isBetween(120L, 121L);
    }
}
