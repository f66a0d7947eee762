package dev.gatehouse.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * Answers in this node's memory: a Caffeine cache bounded by the bytes it holds (W-TinyLFU
 * eviction keeps the answers asked for often), each entry expiring after its own TTL.
 */
public final class MemoryAnswerStore implements AnswerStore {
    private record Entry(CachedAnswer answer, long ttlNanos) {}

    private final Cache<String, Entry> entries;

    public MemoryAnswerStore(long maxBytes) {
        this(maxBytes, Ticker.systemTicker());
    }

    MemoryAnswerStore(long maxBytes, Ticker ticker) {
        this.entries = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String key, Entry e) -> key.length() + e.answer().weight())
                .expireAfter(new Expiry<String, Entry>() {
                    @Override
                    public long expireAfterCreate(String key, Entry e, long now) {
                        return e.ttlNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String key, Entry e, long now, long current) {
                        return e.ttlNanos();
                    }

                    @Override
                    public long expireAfterRead(String key, Entry e, long now, long current) {
                        return current; // reading does not extend an answer's life
                    }
                })
                .ticker(ticker)
                .executor(Runnable::run) // evictions inline: no ForkJoin pool hop per write
                .build();
    }

    @Override
    public Future<CachedAnswer> get(String key) {
        Entry e = entries.getIfPresent(key);
        return Future.succeededFuture(e == null ? null : e.answer());
    }

    @Override
    public void put(String key, CachedAnswer answer, Duration ttl) {
        entries.put(key, new Entry(answer, ttl.toNanos()));
    }

    /** Entries held (after pending maintenance): tests and metrics. */
    public long size() {
        entries.cleanUp();
        return entries.estimatedSize();
    }
}
