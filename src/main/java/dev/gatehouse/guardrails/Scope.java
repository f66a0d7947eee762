package dev.gatehouse.guardrails;

import dev.gatehouse.call.Call;
import io.vertx.core.MultiMap;
import java.util.List;

/**
 * Who a check is for, to find the guardrails attached to them: the team, the key, the model and
 * the caller's access policies. A tool call (MCP) builds one from its caller, as a chat call does.
 * {@code headers} are the caller's request headers: a classifier guardrail asks its model as the
 * caller (they stay in memory, never logged or sent to a webhook).
 */
public record Scope(String teamId, String keyId, String model, List<String> policies, MultiMap headers) {
    public Scope {
        policies = policies == null ? List.of() : List.copyOf(policies);
    }

    public static Scope of(Call call) {
        var p = call.principal();
        return p == null ? new Scope(null, null, call.model(), List.of(), call.headers())
                : new Scope(p.teamId(), p.keyId(), call.model(), p.rules().policyNames(), call.headers());
    }
}
