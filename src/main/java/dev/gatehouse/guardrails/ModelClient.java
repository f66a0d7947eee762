package dev.gatehouse.guardrails;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * Sends a chat completion request to a model of this gateway, as the caller whose request headers
 * are given (implemented above this package, over the gateway's loopback): routing, limits,
 * budgets and the request log apply to it as to any call of that caller.
 */
public interface ModelClient {
    /**
     * POSTs an OpenAI-format chat completion {@code body} and completes with the text of the answer's
     * first choice; fails on any status but 200 or an answer without text.
     */
    Future<String> chat(Buffer body, MultiMap callerHeaders);
}
