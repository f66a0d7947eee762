package dev.gatehouse.call;

import io.vertx.core.Future;

/**
 * One step of the request path before routing (authenticate, authorize, rate limit, budget,
 * guardrails, cache). Each stage has one job; it either lets the call continue or fails the
 * future with a {@link GatewayException}. Stages run on the event loop and must not block:
 * anything slow is read from memory that is refreshed elsewhere.
 */
public interface Stage {
    Future<Void> apply(Call call);
}
