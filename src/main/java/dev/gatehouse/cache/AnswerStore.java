package dev.gatehouse.cache;

import io.vertx.core.Future;
import java.time.Duration;

/** Where exact-cache answers live, by key: this node's memory, or Redis shared by every node. */
public interface AnswerStore extends AutoCloseable {
    /** The answer stored under {@code key}, or null (never a failure: a store that cannot answer is a miss). */
    Future<CachedAnswer> get(String key);

    /** Stores {@code answer} under {@code key} for {@code ttl}; best effort, never fails the call. */
    void put(String key, CachedAnswer answer, Duration ttl);

    @Override
    default void close() {}
}
