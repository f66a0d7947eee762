package dev.gatehouse.call;

import io.vertx.core.Future;
import java.util.List;

/** Runs stages in order; the first failure ends the run. */
public final class Pipeline {
    private final Stage[] stages;

    public Pipeline(List<Stage> stages) {
        this.stages = stages.toArray(Stage[]::new);
    }

    public Future<Void> run(Call call) {
        return runFrom(0, call);
    }

    private Future<Void> runFrom(int index, Call call) {
        // Synchronous stages return completed futures; loop through those without composing,
        // which keeps the common path free of callback allocations.
        for (int i = index; i < stages.length; i++) {
            Future<Void> result;
            try {
                result = stages[i].apply(call);
            } catch (GatewayException e) {
                return Future.failedFuture(e);
            }
            if (!result.isComplete()) {
                int next = i + 1;
                return result.compose(v -> runFrom(next, call));
            }
            if (result.failed()) {
                return result;
            }
        }
        return Future.succeededFuture();
    }
}
