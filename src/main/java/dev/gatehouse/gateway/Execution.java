package dev.gatehouse.gateway;

import dev.gatehouse.config.Timeouts;
import dev.gatehouse.provider.Bodies;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.UpstreamCall;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.UpstreamResponse;
import dev.gatehouse.routing.Target;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/**
 * One call (chat or embeddings) walking its plan of targets. Every attempt is raced against its deadlines
 * (first byte, idle gap, total); a failure before any byte reached the caller moves on to the
 * next target invisibly. Once bytes were sent, a failure ends the stream with an in-band error —
 * never with a truncated answer that looks complete.
 *
 * <p>All callbacks run on the request's event loop; {@code attemptId} discards callbacks of an
 * attempt that was already abandoned (a late response after a timeout, say).
 */
final class Execution {
    static final long MAX_RESPONSE_BYTES = 64L * 1024 * 1024;
    private static final long MAX_ERROR_BODY_BYTES = 1024 * 1024;
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
    private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");

    private final Vertx vertx;
    private final Call call;
    private final CallerFormat caller;
    private final List<Target> plan;
    private final HttpServerResponse out;
    private final Promise<Void> done = Promise.promise();

    private int index = -1;
    private int attemptId;
    private long attemptStart;
    private Target target;
    private UpstreamCall upstream;
    private UpstreamResponse upstreamResponse;
    private CallerFormat.StreamRelay relay;
    /**
     * One timer per attempt checks all three deadlines (first byte, total, idle gap): it is armed
     * for the earliest and, when it fires early for the others, re-arms itself for the next one.
     * Two or three Vert.x timers per call (each a map entry and a scheduled task, set and
     * cancelled) showed up in the profile of short calls, where no deadline ever fires.
     */
    private long deadlineTimer = -1;
    private long deadlineDueNanos;
    private long firstByteDeadline; // System.nanoTime() by which the first byte must arrive; 0 once it did
    private long totalDeadline;
    private long idleNanos; // 0 until the stream has started
    private long lastChunkNanos;
    private boolean headersSent;
    private boolean finished;
    private GatewayException lastError;

    Execution(Vertx vertx, Call call, CallerFormat caller, List<Target> plan, HttpServerResponse out) {
        this.vertx = vertx;
        this.call = call;
        this.caller = caller;
        this.plan = plan;
        this.out = out;
    }

    Future<Void> start() {
        out.closeHandler(v -> clientGone());
        nextAttempt();
        return done.future();
    }

    private void nextAttempt() {
        index++;
        if (index >= plan.size()) {
            fail(lastError);
            return;
        }
        target = plan.get(index);
        int id = ++attemptId;
        attemptStart = System.nanoTime();
        Provider provider = target.provider();
        UpstreamRequest request;
        try {
            request = caller.upstreamRequest(target);
        } catch (GatewayException e) {
            fail(e); // the caller's request cannot be expressed: no other target will do better
            return;
        }
        Timeouts timeouts = target.timeouts();
        upstream = provider.transport().send(request, timeouts);
        firstByteDeadline = attemptStart + timeouts.firstByte().toNanos();
        totalDeadline = attemptStart + timeouts.total().toNanos();
        idleNanos = 0;
        armDeadline(id, Math.min(firstByteDeadline, totalDeadline));
        upstream.response().onComplete(result -> {
            if (id != attemptId || finished) {
                return;
            }
            if (result.failed()) {
                attemptFailed(errorOf(result.cause()));
            } else {
                onResponseHead(result.result(), id);
            }
        });
    }

    private void onResponseHead(UpstreamResponse response, int id) {
        upstreamResponse = response;
        int status = response.status();
        if (status < 200 || status >= 300) {
            Bodies.collect(response, MAX_ERROR_BODY_BYTES).onComplete(body -> {
                if (id != attemptId || finished) {
                    return;
                }
                Buffer errorBody = body.succeeded() ? body.result() : Buffer.buffer();
                attemptFailed(target.provider().codec().classify(status, response.headers(), errorBody));
            });
            return;
        }
        if (!caller.stream()) {
            firstByteDeadline = 0; // the head is the first byte; the pending timer re-arms for the total deadline when it fires
            Bodies.collect(response, MAX_RESPONSE_BYTES).onComplete(body -> {
                if (id != attemptId || finished) {
                    return;
                }
                if (body.failed()) {
                    attemptFailed(errorOf(body.cause()));
                } else {
                    completeWhole(body.result());
                }
            });
            return;
        }
        relay = caller.relay(target);
        response.handler(chunk -> {
            if (id == attemptId && !finished) {
                onChunk(chunk);
            }
        });
        response.endHandler(v -> {
            if (id == attemptId && !finished) {
                onStreamEnd();
            }
        });
        response.exceptionHandler(t -> {
            if (id == attemptId && !finished) {
                streamFailed(errorOf(t));
            }
        });
        response.resume();
    }

    private void completeWhole(Buffer body) {
        Buffer answer;
        try {
            answer = caller.answer(target, body, call);
        } catch (UpstreamException e) {
            attemptFailed(e.error());
            return;
        } catch (RuntimeException e) {
            attemptFailed(UpstreamError.of(ErrorClass.UPSTREAM_ERROR, "malformed response from provider: " + e.getMessage()));
            return;
        }
        recordAttempt(200, null);
        finish();
        call.markFirstByte();
        decorate(out).setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(answer);
        done.tryComplete();
    }

    private void onChunk(Buffer chunk) {
        lastChunkNanos = System.nanoTime();
        Buffer bytes;
        try {
            bytes = relay.relay(chunk);
        } catch (UpstreamException e) {
            streamFailed(e.error());
            return;
        } catch (RuntimeException e) {
            streamFailed(UpstreamError.of(ErrorClass.UPSTREAM_ERROR, "malformed stream chunk from provider: " + e.getMessage()));
            return;
        }
        if (bytes.length() == 0) {
            return;
        }
        if (!headersSent) {
            sendStreamHead();
        }
        out.write(bytes);
        if (out.writeQueueFull()) {
            // Back-pressure: a slow caller slows the upstream instead of filling our memory.
            upstreamResponse.pause();
            out.drainHandler(v -> upstreamResponse.resume());
        }
    }

    private void sendStreamHead() {
        headersSent = true;
        call.markFirstByte();
        firstByteDeadline = 0;
        idleNanos = target.timeouts().idle().toNanos();
        long idleDue = lastChunkNanos + idleNanos;
        if (!finished && idleDue < deadlineDueNanos) { // the pending timer would fire too late for the idle deadline
            cancelTimer(deadlineTimer);
            armDeadline(attemptId, Math.min(idleDue, totalDeadline));
        }
        decorate(out).setStatusCode(200)
                .setChunked(true)
                .putHeader(HttpHeaders.CONTENT_TYPE, EVENT_STREAM)
                .putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE);
    }

    private void armDeadline(int id, long dueNanos) {
        deadlineDueNanos = dueNanos;
        long delayMillis = Math.max(1, (dueNanos - System.nanoTime() + 999_999) / 1_000_000);
        deadlineTimer = vertx.setTimer(delayMillis, t -> onDeadline(id));
    }

    private void onDeadline(int id) {
        deadlineTimer = -1;
        if (id != attemptId || finished) {
            return;
        }
        Timeouts timeouts = target.timeouts();
        long now = System.nanoTime();
        if (firstByteDeadline != 0 && now - firstByteDeadline >= 0) {
            attemptFailed(UpstreamError.of(ErrorClass.TIMEOUT,
                    "no response within the first-byte deadline of " + timeouts.firstByte().toMillis() + " ms"));
            return;
        }
        if (now - totalDeadline >= 0) {
            attemptFailed(UpstreamError.of(ErrorClass.TIMEOUT,
                    "the call exceeded its total deadline of " + timeouts.total().toMillis() + " ms"));
            return;
        }
        if (idleNanos > 0 && now - lastChunkNanos >= idleNanos) {
            streamFailed(UpstreamError.of(ErrorClass.TIMEOUT,
                    "the stream stalled: no data for " + (now - lastChunkNanos) / 1_000_000 + " ms"));
            return;
        }
        long next = totalDeadline;
        if (firstByteDeadline != 0) {
            next = Math.min(next, firstByteDeadline);
        }
        if (idleNanos > 0) {
            next = Math.min(next, lastChunkNanos + idleNanos);
        }
        armDeadline(id, next);
    }

    private void onStreamEnd() {
        Buffer tail;
        try {
            tail = relay.end();
        } catch (UpstreamException e) {
            streamFailed(e.error());
            return;
        }
        if (!relay.complete()) {
            streamFailed(UpstreamError.of(ErrorClass.CONNECTION, "the provider's stream ended before the answer was complete"));
            return;
        }
        call.usage(relay.usage());
        recordAttempt(200, null);
        finish();
        if (!headersSent) {
            sendStreamHead();
        }
        out.end(tail);
        done.tryComplete();
    }

    /** A stream broke. Before the first byte that is an ordinary failed attempt; after it, an in-band error. */
    private void streamFailed(UpstreamError error) {
        if (!headersSent) {
            attemptFailed(error);
            return;
        }
        recordAttempt(200, error.errorClass());
        call.usage(relay.usage());
        cancelUpstream();
        finish();
        out.end(relay.error(UpstreamErrors.toCaller(error, target.provider().name())));
        done.tryComplete();
    }

    private void attemptFailed(UpstreamError error) {
        if (finished) {
            return;
        }
        recordAttempt(error.status(), error.errorClass());
        cancelUpstream();
        clearTimers();
        lastError = UpstreamErrors.toCaller(error, target.provider().name());
        if (error.errorClass().tryNextTarget() && !headersSent && index + 1 < plan.size()) {
            nextAttempt();
        } else {
            fail(lastError);
        }
    }

    private void fail(GatewayException error) {
        if (finished) {
            return;
        }
        finish();
        if (error == null) {
            error = new GatewayException(ErrorType.UNAVAILABLE, "no target could serve model '" + call.model() + "'", null, "no_target");
        }
        if (headersSent) {
            out.end(relay.error(error));
        } else {
            decorate(out);
            if (error.retryAfter() != null) {
                out.putHeader("retry-after", Long.toString(Math.max(1, error.retryAfter().toSeconds())));
            }
            out.setStatusCode(error.status()).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(caller.errorBody(error));
        }
        done.tryFail(error);
    }

    private void clientGone() {
        if (finished) {
            return;
        }
        recordAttempt(499, null);
        cancelUpstream();
        finish();
        done.tryFail(new GatewayException(ErrorType.INVALID_REQUEST, "client disconnected", null, "client_closed_request"));
    }

    private HttpServerResponse decorate(HttpServerResponse response) {
        response.putHeader("x-gatehouse-provider", target == null ? "" : target.provider().name());
        return response;
    }

    private void recordAttempt(int status, ErrorClass errorClass) {
        if (target != null) {
            call.addAttempt(new Call.Attempt(target.provider().name(), target.upstreamModel(), status,
                    errorClass == null ? null : errorClass.name(), System.nanoTime() - attemptStart));
        }
    }

    private void finish() {
        finished = true;
        attemptId++; // every callback still in flight now sees a stale id and does nothing
        clearTimers();
    }

    private void cancelUpstream() {
        if (upstream != null) {
            // Cancelling fails the upstream call synchronously ("Stream reset", "upstream call
            // cancelled"); those callbacks must see a stale id, or they would replace the real
            // reason (a deadline, the caller leaving) and record a second, phantom attempt.
            attemptId++;
            upstream.cancel();
            upstream = null;
        }
    }

    private void clearTimers() {
        cancelTimer(deadlineTimer);
        deadlineTimer = -1;
    }

    private void cancelTimer(long timer) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    static UpstreamError errorOf(Throwable t) {
        if (t instanceof UpstreamException e) {
            return e.error();
        }
        return UpstreamError.of(ErrorClass.CONNECTION, t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }
}
