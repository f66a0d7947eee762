package dev.gatehouse.provider;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/** Collecting a whole upstream body, with a size cap so a runaway upstream cannot exhaust memory. */
public final class Bodies {
    private Bodies() {}

    public static Future<Buffer> collect(UpstreamResponse response, long maxBytes) {
        return collect(response, maxBytes, chunk -> {});
    }

    /** @param onChunk told of every chunk as it arrives (e.g. to keep an idle deadline from firing) */
    public static Future<Buffer> collect(UpstreamResponse response, long maxBytes, Consumer<Buffer> onChunk) {
        Promise<Buffer> promise = Promise.promise();
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
            onChunk.accept(chunk);
            if (body.length() + chunk.length() > maxBytes) {
                response.pause();
                promise.tryFail(new UpstreamException(UpstreamError.of(ErrorClass.UPSTREAM_ERROR,
                        "upstream response larger than " + maxBytes + " bytes")));
                return;
            }
            body.appendBuffer(chunk);
        });
        response.endHandler(v -> promise.tryComplete(body));
        response.exceptionHandler(promise::tryFail);
        response.resume();
        return promise.future();
    }
}
