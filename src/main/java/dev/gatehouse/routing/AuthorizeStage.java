package dev.gatehouse.routing;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.Stage;
import io.vertx.core.Future;

/**
 * Checks the caller's access policies on the request as a whole (endpoint, model, max tokens)
 * before routing, by asking {@link Eligibility#request}; providers are checked per target when
 * the router plans. Reads only the principal's rules, which are in memory.
 */
public final class AuthorizeStage implements Stage {
    @Override
    public Future<Void> apply(Call call) {
        Eligibility.Verdict verdict = Eligibility.request(call);
        return verdict.allowed() ? Future.succeededFuture() : Future.failedFuture(verdict.error());
    }
}
