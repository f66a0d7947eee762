package dev.gatehouse.call;

import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.StreamEvent;
import java.util.function.Consumer;

/**
 * Checks and rewrites an answer on its way to the caller (output guardrails, restoring masked
 * values). One filter serves one call, across every attempt and continuation of its stream.
 * Blocking is throwing a {@link GatewayException}: the executor ends the answer with it in the
 * caller's format (in-band once a stream has begun) and does not try another target.
 */
public interface OutputFilter {
    /**
     * One event of a streamed answer. The filter passes what may reach the caller to {@code emit},
     * now or later (text may be held back until enough of what follows has been checked).
     */
    void event(StreamEvent event, Consumer<StreamEvent> emit);

    /** A whole (not streamed) answer: returns what the caller may see. */
    ChatResponse answer(ChatResponse response);
}
