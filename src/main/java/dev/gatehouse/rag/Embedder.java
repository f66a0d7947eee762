package dev.gatehouse.rag;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Embeds texts with one of the gateway's public embedding models, as the caller whose
 * {@code credentials} (request headers) are given: the call is routed, limited, budgeted and logged
 * like any embeddings request of that caller, so a store's embeddings are charged to its team.
 */
@FunctionalInterface
public interface Embedder {
    /** The vectors of {@code inputs}, in order; fails with the gateway's reason when the call fails. */
    CompletableFuture<List<float[]>> embed(String model, List<String> inputs, Map<String, String> credentials);
}
