package dev.gatehouse.call;

import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.StreamEvent;
import io.vertx.core.Future;
import java.util.function.Consumer;

/**
 * Checks and rewrites an answer on its way to the caller (output guardrails, restoring masked
 * values). One filter serves one call, across every attempt and continuation of its stream.
 * Blocking is throwing a {@link GatewayException}: the executor ends the answer with it in the
 * caller's format (in-band once a stream has begun) and does not try another target.
 *
 * <p>A filter that asks a service (a remote output guardrail: webhook, moderation, classifier)
 * {@link #defers() defers}: it releases streamed events later, from the service's answer, through
 * the last {@code emit} it was given, reports a later block to {@link #onBlock}, and says when
 * nothing is held any more ({@link #settled}). A filter that decides from memory does none of that,
 * so a call without remote output checks pays nothing for them.
 */
public interface OutputFilter {
    /**
     * One event of a streamed answer. The filter passes what may reach the caller to {@code emit},
     * now or later (text may be held back until enough of what follows has been checked).
     */
    void event(StreamEvent event, Consumer<StreamEvent> emit);

    /** A whole (not streamed) answer: returns what the caller may see. */
    ChatResponse answer(ChatResponse response);

    /** Whether this filter waits for I/O (then use {@link #answerLater}, {@link #onBlock} and {@link #settled}). */
    default boolean defers() {
        return false;
    }

    /** A whole answer once every check, remote ones included, passed; fails with the block. */
    default Future<ChatResponse> answerLater(ChatResponse response) {
        try {
            return Future.succeededFuture(answer(response));
        } catch (GatewayException e) {
            return Future.failedFuture(e);
        }
    }

    /** Where a block decided after {@link #event} returned goes (a remote check's verdict on a stream). */
    default void onBlock(Consumer<GatewayException> blocked) {}

    /**
     * Completes once no streamed event is held waiting for a check (the stream may then end), or
     * fails with the block. Complete at once for a filter that does not {@link #defers() defer}.
     */
    default Future<Void> settled() {
        return Future.succeededFuture();
    }

    /** Whether events are held waiting for a check: a broken stream is then not continued elsewhere. */
    default boolean holding() {
        return false;
    }
}
