package dev.gatehouse.call;

import io.vertx.core.buffer.Buffer;

/**
 * The content of a caller's request, for the stages that must read or change it (guardrails): its
 * body, a way to replace that body (a masked prompt), and a filter for the answer. Offered by the
 * caller format (chat, messages, embeddings; later Responses); a stage that never asks costs nothing.
 */
public interface CallContent {
    /** The request body as the caller sent it, or as last {@link #replaceBody replaced}. */
    Buffer body();

    /**
     * Replaces the request body: every attempt, passthrough or translated, sends the new one. The
     * new body must be the same request in the same format (only text values changed).
     */
    void replaceBody(Buffer body);

    /**
     * Sends the answer through {@code filter} before it reaches the caller. The call then takes the
     * translated path on every target, since the filter reads canonical events (a passthrough stream
     * would carry the upstream's bytes unread). Formats without an answer to filter (embeddings) ignore it.
     */
    void filterOutput(OutputFilter filter);
}
