package dev.gatehouse.routing;

import io.vertx.core.Future;
import java.util.List;

/**
 * Embeds text with one of the gateway's own embedding models, for parts of the gateway that
 * compare meaning (the semantic answer cache): the model's first available target, through its
 * provider's codec and transport, under the target's deadlines, as semantic routing does.
 */
public final class Embeddings {
    private final java.util.function.Supplier<Snapshot> snapshot;
    private final TargetHealth health;

    public Embeddings(java.util.function.Supplier<Snapshot> snapshot, TargetHealth health) {
        this.snapshot = snapshot;
        this.health = health;
    }

    /** The vector of {@code text} by public embedding model {@code model}; fails when it cannot be reached. */
    public Future<float[]> embed(String model, String text) {
        Route route = snapshot.get().routes().find(model);
        Target target = route == null ? null
                : route.targets().stream().filter(health::available).findFirst()
                        .orElse(route.targets().isEmpty() ? null : route.targets().getFirst());
        if (target == null) {
            return Future.failedFuture(new IllegalStateException("no target for embedding model '" + model + "'"));
        }
        return SemanticRouter.embed(target, List.of(text)).map(List::getFirst);
    }
}
