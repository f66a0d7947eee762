package dev.gatehouse.provider;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * An upstream call whose HTTP request starts later: after credentials resolve or a token is
 * fetched (Bedrock, Vertex AI), and perhaps once more after they are renewed. The executor holds
 * this call from the start, so cancelling it works at every step: before the request is sent (the
 * transport checks {@link #cancelled()}), and on whichever request is current.
 */
public final class DeferredCall implements UpstreamCall {
    private final Promise<UpstreamResponse> response = Promise.promise();
    private volatile UpstreamCall current;
    private volatile boolean cancelled;

    @Override
    public Future<UpstreamResponse> response() {
        return response.future();
    }

    /** Completes the call with the upstream's answer; false when it already ended (cancelled). */
    public boolean complete(UpstreamResponse answer) {
        return response.tryComplete(answer);
    }

    public void fail(Throwable cause) {
        response.tryFail(cause);
    }

    /** The request now in flight, cancelled with this call. */
    public void sending(UpstreamCall inner) {
        current = inner;
        if (cancelled) {
            inner.cancel();
        }
    }

    public boolean cancelled() {
        return cancelled;
    }

    @Override
    public void cancel() {
        cancelled = true;
        UpstreamCall inner = current;
        if (inner != null) {
            inner.cancel();
        }
        response.tryFail(new UpstreamException(UpstreamError.of(ErrorClass.CONNECTION, "upstream call cancelled")));
    }

    /**
     * Runs {@code action} on {@code context} (the caller's event loop): credential and token
     * futures complete on worker threads, and the HTTP client must be used from its own context.
     */
    public static void onContext(Context context, Runnable action) {
        if (context == null || Vertx.currentContext() == context) {
            action.run();
        } else {
            context.runOnContext(v -> action.run());
        }
    }
}
