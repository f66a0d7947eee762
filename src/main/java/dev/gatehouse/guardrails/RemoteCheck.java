package dev.gatehouse.guardrails;

import io.vertx.core.Future;
import java.util.List;

/**
 * A guardrail decided by a service (a webhook, a moderation model). The future fails when the
 * service could not decide (down, late, 5xx, an answer that does not parse): the guardrail's
 * {@code on-error} then applies.
 */
interface RemoteCheck {
    /**
     * @param texts the request's texts, in document order
     * @param stage "input" (a request, a tool call's arguments) or "output" (an answer, a tool's result)
     */
    Future<Verdict> check(List<String> texts, String stage, Scope scope, String requestId);

    /**
     * A service's verdict.
     *
     * @param action allow, block, mask or flag
     * @param reason a sentence for the caller (blocks) and the log; never a detected value
     * @param replacement mask: the texts to send instead, one per text (null entries keep a text as is)
     * @param kinds what was found, e.g. moderation categories
     */
    record Verdict(String action, String reason, List<String> replacement, List<String> kinds) {}
}
