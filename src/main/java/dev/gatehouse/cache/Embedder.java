package dev.gatehouse.cache;

import io.vertx.core.Future;

/**
 * Turns text into a vector with the configured embedding model. The gateway supplies it (through
 * its own routing and provider path); the cache only asks.
 */
@FunctionalInterface
public interface Embedder {
    /** The embedding of {@code text}, completed on the caller's event loop; fails when the model cannot be reached. */
    Future<float[]> embed(String model, String text);
}
