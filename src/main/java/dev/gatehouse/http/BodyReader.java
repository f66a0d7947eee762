package dev.gatehouse.http;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VertxException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
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
        request.exceptionHandler(failure -> promise.tryFail(readFailure(failure)));
        RequestDeadline.whenExpired(request, timeout -> promise.tryFail(RequestDeadline.timeout(timeout)));
        request.resume();
        return promise.future();
    }

    /**
     * Why the body could not be read, in the caller's terms: a connection that closed is the
     * caller's doing (499, not a server error); anything else is the HTTP codec refusing the
     * framing (e.g. a chunk size that overflows), a 400.
     */
    static GatewayException readFailure(Throwable failure) {
        if (failure instanceof HttpClosedException || failure instanceof VertxException && "Connection was closed".equals(failure.getMessage())) {
            return new GatewayException(ErrorType.CLIENT_CLOSED,
                    "The client closed the connection before the request body was read.", null, "client_closed_request");
        }
        return GatewayException.invalid("The request body's HTTP framing is malformed"
                + (failure instanceof NumberFormatException ? " (a chunk size is not a valid number)." : "."), null);
    }

    private static GatewayException tooLarge(long maxBytes) {
        return new GatewayException(ErrorType.PAYLOAD_TOO_LARGE,
                "Request body is larger than the limit of " + maxBytes + " bytes (server.max-body-size).", null, "request_too_large");
    }
}
