package dev.gatehouse.provider;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * The head of an upstream response and its body as a pausable stream of chunks. Chunks are
 * delivered on the caller's event loop; {@link #pause()} / {@link #resume()} give back-pressure.
 * The body starts paused: attach the handlers, then call {@link #resume()}.
 */
public interface UpstreamResponse {
    int status();

    MultiMap headers();

    UpstreamResponse handler(Handler<Buffer> chunkHandler);

    UpstreamResponse endHandler(Handler<Void> endHandler);

    UpstreamResponse exceptionHandler(Handler<Throwable> exceptionHandler);

    void pause();

    void resume();
}
