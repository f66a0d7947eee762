package dev.gatehouse.routing;

import java.util.List;

/**
 * A public model name and its targets in configured order.
 *
 * @param embedding true for embedding models (served on /v1/embeddings), false for chat models
 */
public record Route(String publicName, boolean embedding, List<Target> targets) {
    public Route {
        targets = List.copyOf(targets);
    }
}
