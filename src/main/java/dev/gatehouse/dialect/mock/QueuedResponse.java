package dev.gatehouse.dialect.mock;

import dev.gatehouse.provider.UpstreamResponse;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * A response whose body is a list of chunks released at a fixed pace on the caller's event loop,
 * honouring pause/resume exactly like a network response would.
 */
final class QueuedResponse implements UpstreamResponse {
    private final Vertx vertx;
    private final Context context;
    private final int status;
    private final MultiMap headers;
    private final List<Buffer> chunks;
    private final long chunkDelayMs;
    private Handler<Buffer> handler = b -> {};
    private Handler<Void> endHandler = v -> {};
    private int next;
    private boolean paused = true;
    private boolean scheduled;
    private boolean ended;
    private boolean cancelled;
    private long timer = -1;

    QueuedResponse(Vertx vertx, Context context, int status, MultiMap headers, List<Buffer> chunks, long chunkDelayMs) {
        this.vertx = vertx;
        this.context = context;
        this.status = status;
        this.headers = headers;
        this.chunks = chunks;
        this.chunkDelayMs = chunkDelayMs;
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public MultiMap headers() {
        return headers;
    }

    @Override
    public UpstreamResponse handler(Handler<Buffer> chunkHandler) {
        this.handler = chunkHandler;
        return this;
    }

    @Override
    public UpstreamResponse endHandler(Handler<Void> endHandler) {
        this.endHandler = endHandler;
        return this;
    }

    @Override
    public UpstreamResponse exceptionHandler(Handler<Throwable> exceptionHandler) {
        return this; // an in-process body cannot fail
    }

    @Override
    public void pause() {
        paused = true;
    }

    @Override
    public void resume() {
        paused = false;
        schedule();
    }

    void cancel() {
        cancelled = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private void schedule() {
        if (scheduled || paused || cancelled || ended) {
            return;
        }
        scheduled = true;
        if (next == 0 || next >= chunks.size() || chunkDelayMs == 0) {
            context.runOnContext(v -> emit());
        } else {
            timer = vertx.setTimer(chunkDelayMs, t -> emit());
        }
    }

    private void emit() {
        scheduled = false;
        timer = -1;
        if (paused || cancelled || ended) {
            return;
        }
        if (next < chunks.size()) {
            handler.handle(chunks.get(next++));
        } else {
            ended = true;
            endHandler.handle(null);
            return;
        }
        schedule();
    }
}
