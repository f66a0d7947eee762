package dev.gatehouse.provider;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

/** Collecting a whole upstream body, with a size cap so a runaway upstream cannot exhaust memory. */
public final class Bodies {
    private Bodies() {}

    public static Future<Buffer> collect(UpstreamResponse response, long maxBytes) {
        Promise<Buffer> promise = Promise.promise();
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
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
