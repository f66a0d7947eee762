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
    private long firstByteTimer = -1;
    private long totalTimer = -1;
    private long idleTimer = -1;
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
        // Asynchronous because a translation may need I/O first (images fetched for Gemini);
        // the deadlines below already run during that preparation.
        Future<UpstreamRequest> request = caller.upstreamRequest(target);
        Timeouts timeouts = target.timeouts();
        firstByteTimer = vertx.setTimer(timeouts.firstByte().toMillis(), t -> {
            firstByteTimer = -1;
            if (id == attemptId) {
                attemptFailed(UpstreamError.of(ErrorClass.TIMEOUT,
                        "no response within the first-byte deadline of " + timeouts.firstByte().toMillis() + " ms"));
            }
        });
        totalTimer = vertx.setTimer(timeouts.total().toMillis(), t -> {
            totalTimer = -1;
            if (id == attemptId) {
                attemptFailed(UpstreamError.of(ErrorClass.TIMEOUT,
                        "the call exceeded its total deadline of " + timeouts.total().toMillis() + " ms"));
            }
        });
        request.onComplete(prepared -> {
            if (id != attemptId || finished) {
                return;
            }
            if (prepared.failed()) {
                if (prepared.cause() instanceof GatewayException e) {
                    fail(e); // the caller's request cannot be expressed: no other target will do better
                } else {
                    attemptFailed(errorOf(prepared.cause()));
                }
                return;
            }
            send(provider, prepared.result(), timeouts, id);
        });
    }

    private void send(Provider provider, UpstreamRequest request, Timeouts timeouts, int id) {
        upstream = provider.transport().send(request, timeouts);
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
            cancelTimer(firstByteTimer);
            firstByteTimer = -1;
            // A body that stalls after its head must not hold the caller until the total deadline
            // (minutes): the idle deadline applies to the gaps of a whole body as it does to a stream.
            lastChunkNanos = System.nanoTime();
            armIdleTimer(target.timeouts().idle().toMillis(), id);
            Bodies.collect(response, MAX_RESPONSE_BYTES, chunk -> lastChunkNanos = System.nanoTime()).onComplete(body -> {
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
        cancelTimer(firstByteTimer);
        firstByteTimer = -1;
        armIdleTimer(target.timeouts().idle().toMillis(), attemptId);
        decorate(out).setStatusCode(200)
                .setChunked(true)
                .putHeader(HttpHeaders.CONTENT_TYPE, EVENT_STREAM)
                .putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE);
    }

    /** One timer per stream that re-arms itself for the remaining time, instead of one per chunk. */
    private void armIdleTimer(long idleMillis, int id) {
        idleTimer = vertx.setTimer(idleMillis, t -> {
            idleTimer = -1;
            if (id != attemptId || finished) {
                return;
            }
            long silentMillis = (System.nanoTime() - lastChunkNanos) / 1_000_000;
            if (silentMillis >= idleMillis) {
                streamFailed(UpstreamError.of(ErrorClass.TIMEOUT, (caller.stream() ? "the stream" : "the response body") + " stalled: no data for " + silentMillis + " ms"));
            } else {
                armIdleTimer(idleMillis - silentMillis, id);
            }
        });
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
        // finish before cancelling: a cancel can synchronously fire the upstream's exception
        // handler, which must see a finished call rather than fail the stream a second time.
        finish();
        cancelUpstream();
        out.end(relay.error(UpstreamErrors.toCaller(error, target.provider().name())));
        done.tryComplete();
    }

    private void attemptFailed(UpstreamError error) {
        if (finished) {
            return;
        }
        recordAttempt(error.status(), error.errorClass());
        attemptId++; // callbacks the cancel below may fire synchronously belong to a finished attempt
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
        finish();
        cancelUpstream();
        done.tryFail(new GatewayException(ErrorType.INVALID_REQUEST, "client disconnected", null, "client_closed_request"));
    }

    private HttpServerResponse decorate(HttpServerResponse response) {
        call.applyResponseHeaders(response);
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
            // Cancelling fails the attempt's response future, whose callback runs synchronously
            // here: bump the id first so that callback is stale. Without this it re-entered
            // attemptFailed, started the next target from inside this one and then failed the
            // call with this attempt's error (a first-byte timeout with a fallback left gave 504).
            attemptId++;
            UpstreamCall cancelled = upstream;
            upstream = null;
            cancelled.cancel();
        }
    }

    private void clearTimers() {
        cancelTimer(firstByteTimer);
        cancelTimer(totalTimer);
        cancelTimer(idleTimer);
        firstByteTimer = totalTimer = idleTimer = -1;
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
