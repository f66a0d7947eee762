package dev.gatehouse.http;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an error response in the caller's format. Expected errors ({@link GatewayException})
 * keep their status and message; anything else is a bug: it is logged with the request id and
 * the caller gets a 500 that names the id but carries no stack trace or internal detail.
 */
public final class ErrorWriter {
    public static final String REQUEST_ID = "gatehouse.request-id";
    /** Set on the routing context of a zero-data-retention call: failures are logged without their messages. */
    public static final String ZDR = "gatehouse.zdr";
    private static final Logger LOG = LoggerFactory.getLogger(ErrorWriter.class);

    private ErrorWriter() {}

    /** Writes the error in OpenAI's shape, the format of every endpoint that has no format of its own. */
    public static void write(RoutingContext ctx, Throwable failure) {
        write(ctx, failure, OpenAiErrors::body);
    }

    /** Writes the error with the body the caller's dialect renders for it. */
    public static void write(RoutingContext ctx, Throwable failure, Function<GatewayException, Buffer> body) {
        HttpServerResponse response = ctx.response();
        if (response.headWritten() || response.closed()) {
            return;
        }
        GatewayException error;
        if (failure instanceof GatewayException e) {
            error = e;
        } else {
            LOG.error("request {} failed unexpectedly", (Object) ctx.get(REQUEST_ID), loggable(ctx, failure));
            error = new GatewayException(ErrorType.INTERNAL,
                    "The gateway failed to process the request (request id " + ctx.get(REQUEST_ID) + ").", null, "internal_error");
        }
        if (error.retryAfter() != null) {
            response.putHeader("retry-after", Long.toString(Math.max(1, error.retryAfter().toSeconds())));
        }
        response.setStatusCode(error.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(body.apply(error));
    }

    /** The failure as it may be logged: under zero data retention without any message (one may quote the request). */
    public static Throwable loggable(RoutingContext ctx, Throwable failure) {
        return Boolean.TRUE.equals(ctx.get(ZDR)) ? withoutMessages(failure) : failure;
    }

    /** A copy of the chain of causes with the same types and stack traces and every message withheld. */
    public static Throwable withoutMessages(Throwable failure) {
        Throwable cause = failure.getCause() == null || failure.getCause() == failure ? null : withoutMessages(failure.getCause());
        Throwable copy = new RuntimeException(failure.getClass().getName() + " (message withheld: zero data retention)", cause);
        copy.setStackTrace(failure.getStackTrace());
        return copy;
    }
}
