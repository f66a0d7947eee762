package dev.gatehouse.dialect.bedrock;

import dev.gatehouse.provider.UpstreamResponse;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/** An upstream response whose body was already read (to look for an expired token): replayed on {@link #resume}. */
final class BufferedResponse implements UpstreamResponse {
    private final int status;
    private final MultiMap headers;
    private Buffer body;
    private Handler<Buffer> chunks = b -> {};
    private Handler<Void> end = v -> {};
    private boolean paused = true;
    private boolean ended;

    BufferedResponse(int status, MultiMap headers, Buffer body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
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
        this.chunks = chunkHandler == null ? b -> {} : chunkHandler;
        return this;
    }

    @Override
    public UpstreamResponse endHandler(Handler<Void> endHandler) {
        this.end = endHandler == null ? v -> {} : endHandler;
        return this;
    }

    @Override
    public UpstreamResponse exceptionHandler(Handler<Throwable> exceptionHandler) {
        return this;
    }

    @Override
    public void pause() {
        paused = true;
    }

    @Override
    public void resume() {
        paused = false;
        if (body != null && body.length() > 0) {
            Buffer b = body;
            body = null;
            chunks.handle(b);
        }
        if (!paused && !ended) {
            ended = true;
            end.handle(null);
        }
    }
}
