package dev.gatehouse.routing;

import java.util.List;

/**
 * A public model name, its targets in configured order, and how to choose among them.
 *
 * @param embedding true for embedding models (served on /v1/embeddings), false for chat models
 * @param strategy priority, weighted, least-latency, least-busy, lowest-cost or usage-aware
 * @param fallbacks other public models to try when every target failed
 */
public record Route(String publicName, boolean embedding, List<Target> targets, String strategy, List<String> fallbacks) {
    public Route {
        targets = List.copyOf(targets);
        strategy = strategy == null ? "priority" : strategy;
        fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
    }

    public Route(String publicName, boolean embedding, List<Target> targets) {
        this(publicName, embedding, targets, "priority", List.of());
    }
}
