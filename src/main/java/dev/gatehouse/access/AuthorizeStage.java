package dev.gatehouse.access;


import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Stage;
import dev.gatehouse.call.AccessRules;
import io.vertx.core.Future;
import java.util.Locale;

/**
 * Checks the caller's access policies (endpoint, model, max tokens) before routing; providers
 * are checked per target by the router. Reads only the principal's rules, which are in memory.
 */
public final class AuthorizeStage implements Stage {
    @Override
    public Future<Void> apply(Call call) {
        AccessRules.Denial denial = call.principal().rules()
                .checkRequest(endpointName(call.endpoint()), call.model(), null, call.maxOutputTokens());
        return denial == null ? Future.succeededFuture() : Future.failedFuture(denied(denial));
    }

    /** The name policies use for an endpoint: {@code chat.completions}, {@code embeddings}, {@code models}, ... */
    public static String endpointName(Endpoint endpoint) {
        return endpoint.name().toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** The 403 for a denial; its message names the policy. */
    public static GatewayException denied(AccessRules.Denial denial) {
        return new GatewayException(ErrorType.PERMISSION, denial.reason(), null, "policy_denied");
    }
}
