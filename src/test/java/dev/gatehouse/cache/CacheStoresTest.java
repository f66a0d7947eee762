package dev.gatehouse.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.Usage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The pieces under the answer cache: the memory store's bounds, the stored form, the semantic index, Cache-Control. */
class CacheStoresTest {

    static CachedAnswer answer(int bytes) {
        byte[] body = new byte[bytes];
        Arrays.fill(body, (byte) 'x');
        return new CachedAnswer(false, List.of(body), 1, "p", "m", Usage.of(1, 2));
    }

    @Test
    void theMemoryStoreIsBoundedByTheBytesItHolds() {
        MemoryAnswerStore store = new MemoryAnswerStore(1_000_000);
        for (int i = 0; i < 100; i++) {
            store.put("k" + i, answer(100_000), Duration.ofHours(1));
        }
        // 100 answers of 100 KB in a 1 MB store: at most ten fit.
        assertThat(store.size()).isBetween(1L, 10L);
    }

    @Test
    void memoryAnswersExpireAfterTheirOwnTtl() {
        AtomicLong now = new AtomicLong();
        MemoryAnswerStore store = new MemoryAnswerStore(1_000_000, now::get);
        store.put("short", answer(10), Duration.ofSeconds(1));
        store.put("long", answer(10), Duration.ofMinutes(1));
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(store.get("short").result()).isNull();
        assertThat(store.get("long").result()).isNotNull();
    }

    @Test
    void theStoredFormRoundTripsAndRejectsGarbage() {
        CachedAnswer a = new CachedAnswer(true, List.of("data: a\n\n".getBytes(), "data: [DONE]\n\n".getBytes()), 42,
                "openai", "gpt-4o", new Usage(10, 5, 3, 2, 1));
        CachedAnswer b = CachedAnswer.decode(a.encode());
        assertThat(b.stream()).isTrue();
        assertThat(b.storedAtMillis()).isEqualTo(42);
        assertThat(b.usage()).isEqualTo(a.usage());
        assertThat(b.chunks()).hasSize(2);
        assertThat(new String(b.chunks().get(1))).isEqualTo("data: [DONE]\n\n");
        assertThat(CachedAnswer.decode(new byte[] {9, 9, 9})).isNull();
        byte[] cut = Arrays.copyOf(a.encode(), 20);
        assertThat(CachedAnswer.decode(cut)).isNull();
        assertThat(CachedAnswer.decode(new CachedAnswer(false, List.of(new byte[1]), 1, "p", "m", null).encode()).usage()).isNull();
    }

    @Test
    void theSemanticIndexComparesOnlyWithinAPartitionKeepsTheNewestAndForgetsExpired() {
        AtomicLong now = new AtomicLong(1000);
        SemanticIndex index = new SemanticIndex(10, 2, now::get);
        index.add("p1", new float[] {1, 0}, null, "east", 5000);
        assertThat(index.nearest("p2", new float[] {1, 0}, null).key()).isNull(); // another partition: never compared
        SemanticIndex.Nearest n = index.nearest("p1", new float[] {2, 0.1f}, null);
        assertThat(n.key()).isEqualTo("east");
        assertThat(n.similarity()).isGreaterThan(0.99);
        index.add("p1", new float[] {0, 1}, null, "north", 5000);
        index.add("p1", new float[] {-1, 0}, null, "west", 5000); // the partition holds two: "east" goes
        assertThat(index.nearest("p1", new float[] {1, 0}, null).key()).isNotEqualTo("east");
        now.set(6000);
        assertThat(index.nearest("p1", new float[] {0, 1}, null).key()).isNull(); // expired
        index.add("p1", new float[] {0, 0}, null, "zero", 9000); // no direction: not indexed
        assertThat(index.nearest("p1", new float[] {0, 0}, null).key()).isNull();
    }

    @Test
    void cacheControlReadsTheRequestDirectives() {
        assertThat(CacheControl.parse(null)).isEqualTo(CacheControl.NONE);
        assertThat(CacheControl.parse("No-Cache")).isEqualTo(new CacheControl(true, false, -1));
        assertThat(CacheControl.parse("no-store, max-age=60")).isEqualTo(new CacheControl(false, true, 60));
        assertThat(CacheControl.parse("max-age=\"5\", private, stale-if-error=9")).isEqualTo(new CacheControl(false, false, 5));
        for (String bad : new String[] {"max-age", "max-age=", "max-age=-1", "max-age=1.5", "max-age=99999999999"}) {
            assertThatThrownBy(() -> CacheControl.parse(bad)).as(bad).isInstanceOf(GatewayException.class)
                    .hasMessageContaining("max-age");
        }
    }
}
