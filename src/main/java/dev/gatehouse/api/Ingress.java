package dev.gatehouse.api;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallListener;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.Futures;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.gateway.Gateway;
import dev.gatehouse.gateway.InFlightLimit;
import dev.gatehouse.http.BodyReader;
import dev.gatehouse.http.ErrorWriter;
import dev.gatehouse.http.MultipartForm;
import dev.gatehouse.usage.CallerTags;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The one caller-endpoint path, for every caller format: admission, caller tags, the Content-Type
 * check, the body read under the size limit, the dialect's scan, dispatch, errors rendered in the
 * caller's dialect, and the call's end. Written once so that the formats cannot drift apart; a
 * caller format supplies only its scanner and its error body.
 */
public final class Ingress {
    private final Gateway gateway;
    private final LongSupplier maxBodyBytes;
    private final CallListener listener;

    public Ingress(Gateway gateway, LongSupplier maxBodyBytes, CallListener listener) {
        this.gateway = gateway;
        this.maxBodyBytes = maxBodyBytes;
        this.listener = listener;
    }

    /** What a caller format's scan found in the body, and the caller object that answers it. */
    public record Scanned(String model, boolean stream, Integer maxTokens, CallerFormat caller, Supplier<Usage> usageEstimate,
            Handoff handoff) {
        public Scanned(String model, boolean stream, Integer maxTokens, CallerFormat caller, Supplier<Usage> usageEstimate) {
            this(model, stream, maxTokens, caller, usageEstimate, null);
        }
    }

    /**
     * Serves an admitted call by other means than one dispatch to the executor (the MCP tool loop,
     * which dispatches several rounds itself). The future ends when the response has.
     */
    @FunctionalInterface
    public interface Handoff {
        Future<Void> serve(Call call, HttpServerResponse response);
    }

    /** Scans a body in the caller's format; throws a {@link GatewayException} (a 4xx) on a bad one. */
    @FunctionalInterface
    public interface Scanner {
        Scanned scan(Buffer body);
    }

    /**
     * Scans a body when the call needs I/O before it can be dispatched (a stored conversation read
     * off the event loop, say). Gets the admitted call, so what it reads can be scoped to the caller.
     */
    @FunctionalInterface
    public interface AsyncScanner {
        Future<Scanned> scan(Call call, Buffer body);
    }

    public Gateway gateway() {
        return gateway;
    }

    /** Serves one call on {@code endpoint}; {@code errorBody} renders failures in the caller's dialect. */
    public void handle(RoutingContext ctx, Endpoint endpoint, Scanner scanner, Function<GatewayException, Buffer> errorBody) {
        handle(ctx, endpoint, (call, body) -> Future.succeededFuture(scanner.scan(body)), errorBody);
    }

    /** As {@link #handle(RoutingContext, Endpoint, Scanner, Function)}, for a scan that may wait for I/O. */
    public void handle(RoutingContext ctx, Endpoint endpoint, AsyncScanner scanner, Function<GatewayException, Buffer> errorBody) {
        HttpServerRequest request = ctx.request();
        serve(ctx, endpoint, call -> Futures.compose(readJson(request), body -> Futures.compose(scanner.scan(call, body),
                scanned -> Future.succeededFuture(new Read(scanned, body, body.length())))), errorBody);
    }

    /** Scans a {@code multipart/form-data} request (an upload); throws a {@link GatewayException} (a 4xx) on a bad one. */
    @FunctionalInterface
    public interface UploadScanner {
        Scanned scan(MultipartForm form);
    }

    /**
     * Serves one call whose body is a {@code multipart/form-data} upload: its files are streamed to
     * encrypted spool files (never whole in memory) up to {@code maxUploadBytes}, and deleted when
     * the call ends. Everything else is as for a JSON body: admission first, the same stages,
     * dispatch, errors in the caller's dialect.
     */
    public void handleUpload(RoutingContext ctx, Endpoint endpoint, long maxUploadBytes, UploadScanner scanner,
            Function<GatewayException, Buffer> errorBody) {
        HttpServerRequest request = ctx.request();
        serve(ctx, endpoint, call -> Futures.compose(MultipartForm.read(ctx.vertx(), request, maxUploadBytes), form -> {
            call.onFinish(form::release);
            Scanned scanned = scanner.scan(form);
            // The request log keeps the text fields, never the file content. The size the rate
            // limiter estimates input tokens from is that of the fields too: a 200 MB audio file
            // is billed by its seconds, not as 50 million tokens of prompt.
            Buffer described = Buffer.buffer(MultipartForm.describe(form));
            return Future.succeededFuture(new Read(scanned, described, described.length()));
        }), errorBody);
    }

    /** What the body read and the scan found: the scan, what the request log may keep, the body's size. */
    private record Read(Scanned scanned, Buffer captured, long bytes) {}

    private void serve(RoutingContext ctx, Endpoint endpoint, Function<Call, Future<Read>> readAndScan,
            Function<GatewayException, Buffer> errorBody) {
        HttpServerRequest request = ctx.request();
        HttpServerResponse response = ctx.response();
        InFlightLimit inFlight = gateway.inFlight();
        // A draining node still serves its own requests for calls in flight (tool-loop rounds): the
        // header is looked at only then, so the usual path pays nothing for it.
        if (!inFlight.tryAcquire() && !(inFlight.draining() && Loopback.marked(request) && inFlight.tryAcquireWhileDraining())) {
            // Refused before anything is read or allocated for the call: shedding must cost less than
            // serving. Over the limit, or the node is draining (the server closes the connection after).
            ErrorWriter.write(ctx, inFlight.refusal(), errorBody);
            return;
        }
        Call call = new Call(ctx.get(ErrorWriter.REQUEST_ID), endpoint, request.headers(), System.nanoTime());
        call.clientAddress(request.remoteAddress() == null ? null : request.remoteAddress().hostAddress());
        Future<Void> admitted = Futures.compose(gateway.admit(call), v -> {
            call.tags(CallerTags.parse(request.getHeader(CallerTags.HEADER)));
            return Future.succeededFuture();
        });
        // Futures.compose: the steps before the body are synchronous on the usual path; only
        // reading the body (and what dispatch waits for) takes a Vert.x hop.
        Future<Void> result = Futures.compose(admitted, v -> Futures.compose(readAndScan.apply(call), read -> {
            Scanned scanned = read.scanned();
            if (scanned.usageEstimate() != null) {
                call.usageEstimate(scanned.usageEstimate());
            }
            call.model(scanned.model());
            call.stream(scanned.stream());
            call.requestSize(read.bytes(), scanned.maxTokens());
            call.captureRequest(read.captured());
            call.content(scanned.caller().content());
            call.media(scanned.caller().media());
            return scanned.handoff() != null ? scanned.handoff().serve(call, response)
                    : gateway.dispatch(call, scanned.caller(), response);
        }));
        result.onComplete(done -> {
            if (done.failed() && !response.headWritten() && !response.closed()) {
                call.applyResponseHeaders(response);
                if (call.zdr()) {
                    ctx.put(ErrorWriter.ZDR, Boolean.TRUE);
                }
                ErrorWriter.write(ctx, done.cause(), errorBody);
            }
            try {
                call.finish(); // settles budgets, releases limits: exactly once, success or not
            } finally {
                try {
                    listener.completed(call, done.failed() ? done.cause() : null);
                } finally {
                    // Last: a draining node stops once no call is in flight, so the call's request-log
                    // record must be queued by then.
                    inFlight.release();
                }
            }
        });
    }

    /**
     * Admits the call and reads its JSON body, for endpoints that answer by themselves (token
     * counting) but must check the caller and the body exactly as the main path does.
     */
    public Future<Buffer> admitAndRead(Call call, HttpServerRequest request) {
        return Futures.compose(gateway.admit(call), v -> readJson(request));
    }

    private Future<Buffer> readJson(HttpServerRequest request) {
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        // No Content-Type at all is tolerated (the body must still be JSON); a different type is a mistake worth naming.
        if (type != null && !isJson(type)) {
            return Future.failedFuture(new GatewayException(ErrorType.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type must be application/json, not '" + type + "'.", null, "unsupported_media_type"));
        }
        return BodyReader.read(request, maxBodyBytes.getAsLong());
    }

    /**
     * {@code application/json}, optionally with parameters ({@code ; charset=utf-8}). A prefix
     * match alone let {@code application/json-seq} or {@code application/jsonl} through as JSON.
     */
    static boolean isJson(String type) {
        if (!type.regionMatches(true, 0, "application/json", 0, 16)) {
            return false;
        }
        if (type.length() == 16) {
            return true;
        }
        char next = type.charAt(16);
        return next == ';' || next == ' ' || next == '\t';
    }
}
