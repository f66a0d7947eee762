package dev.gatehouse.routing;

import dev.gatehouse.config.RouterConfig;
import java.util.List;
import java.util.Set;

/**
 * A public model name, its targets in configured order, and how to choose among them.
 *
 * @param type chat, embedding, image, transcription, speech or moderation: the endpoints it serves
 *     ({@link dev.gatehouse.call.Endpoint#modelType()})
 * @param strategy priority, weighted, least-latency, least-busy, lowest-cost or usage-aware
 * @param fallbacks other public models to try when every target failed
 * @param capabilities what the model can do (vision, tools, json-schema), as router models read it
 * @param router set for a router model: it has no targets and picks another route per request ({@link AutoRouter})
 */
public record Route(String publicName, String type, List<Target> targets, String strategy, List<String> fallbacks,
        Set<String> capabilities, RouterConfig router) {
    /** A chat ({@code embedding} false) or embedding model. */
    public Route(String publicName, boolean embedding, List<Target> targets, String strategy, List<String> fallbacks,
            Set<String> capabilities, RouterConfig router) {
        this(publicName, embedding ? "embedding" : "chat", targets, strategy, fallbacks, capabilities, router);
    }

    public Route {
        type = type == null ? "chat" : type;
        targets = List.copyOf(targets);
        strategy = strategy == null ? "priority" : strategy;
        fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
        capabilities = capabilities == null ? Set.of() : Set.copyOf(capabilities);
    }

    /** Whether this is an embedding model (served on /v1/embeddings). */
    public boolean embedding() {
        return "embedding".equals(type);
    }
}
