package dev.gatehouse.http;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a request body with a size cap. A declared Content-Length over the cap is refused before
 * a byte is read; a chunked body is refused as soon as it crosses the cap.
 */
public final class BodyReader {
    private BodyReader() {}

    public static Future<Buffer> read(HttpServerRequest request, long maxBytes) {
        String declared = request.getHeader("content-length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                return Future.failedFuture(GatewayException.invalid("Content-Length is not a number", null));
            }
            if (length > maxBytes) {
                return Future.failedFuture(tooLarge(maxBytes));
            }
        }
        Promise<Buffer> promise = Promise.promise();
        Buffer body = Buffer.buffer(declared != null ? (int) Math.min(Long.parseLong(declared.trim()), maxBytes) : 1024);
        request.handler(chunk -> {
            if (body.length() + chunk.length() > maxBytes) {
                if (promise.tryFail(tooLarge(maxBytes))) {
                    request.pause();
                }
                return;
            }
            body.appendBuffer(chunk);
        });
        request.endHandler(v -> promise.tryComplete(body));
        request.exceptionHandler(promise::tryFail);
        request.resume();
        return promise.future();
    }

    private static GatewayException tooLarge(long maxBytes) {
        return new GatewayException(ErrorType.PAYLOAD_TOO_LARGE,
                "Request body is larger than the limit of " + maxBytes + " bytes (server.max-body-size).", null, "request_too_large");
    }
}
