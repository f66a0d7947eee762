package dev.gatehouse.gateway;

import dev.gatehouse.cache.ResponseCache;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Deadlines;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.config.RoutingConfig;
import dev.gatehouse.config.Timeouts;
import dev.gatehouse.provider.Bodies;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.UpstreamCall;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.UpstreamResponse;
import dev.gatehouse.provider.WireFormat;
import dev.gatehouse.routing.Target;
import dev.gatehouse.routing.TargetHealth;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/**
 * One call (chat or embeddings) walking its plan of targets.
 *
 * <ul>
 *   <li>Every attempt is raced against its deadlines (first byte, idle gap, total) and the whole
 *       call against the request deadline.
 *   <li>Before any byte reached the caller, a failure is retried on the same target (rate limits
 *       and server errors, with back-off and the provider's Retry-After up to a cap; a rate-limited
 *       key rotates to the provider's next key) or moves on to the next target, then to the
 *       fallback models — invisibly. A target that timed out waiting for the first byte is not
 *       retried. Caller errors (bad request, content policy) end the call at once.
 *   <li>After bytes were sent, a broken stream (cut, stall, malformed chunk, error event) is
 *       continued on the next target so the caller still receives one complete stream: with the
 *       partial answer as an assistant prefill where the target supports it, else by restarting
 *       and emitting only the part not yet delivered. When nothing can rescue it, the stream ends
 *       with an in-band error — never with a truncated answer that looks complete.
 * </ul>
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
    private static final CharSequence PROVIDER_HEADER = HttpHeaders.createOptimized("x-gatehouse-provider");
    private static final CharSequence MODEL_HEADER = HttpHeaders.createOptimized("x-gatehouse-model");
    private static final CharSequence ATTEMPTS_HEADER = HttpHeaders.createOptimized("x-gatehouse-attempts");
    private static final CharSequence ROUTE_HEADER = HttpHeaders.createOptimized("x-gatehouse-route");

    private final Deadlines deadlines;
    private final Call call;
    private final CallerFormat caller;
    private final AttemptPlan plan;
    private final HttpServerResponse out;
    private final TargetHealth health;
    private final RoutingConfig routing;
    private final Promise<Void> done = Promise.promise();

    private int attempts;
    private int attemptId;
    private long attemptStart;
    private long attemptFirstByte;
    private Target target;
    private int sameTargetRetries;
    /** The target's further API keys (captured from its configured provider) and how many were used. */
    private List<String> rotationKeys = List.of();
    private int keyIndex;
    /** The last relay whose usage was added to the call, so a relay is never counted twice. */
    private CallerFormat.StreamRelay counted;
    private UpstreamCall upstream;
    private UpstreamResponse upstreamResponse;
    private CallerFormat.StreamRelay relay;
    /** The current target's leg (passthrough or translated), decided when the attempt starts. */
    private CallerFormat.Leg leg;
    /** A stream's opening bytes (role chunk), held until the answer begins (see StreamRelay#answering). */
    private Buffer held;
    /** The caller's stream once its head was sent (null before): coalesced writes, back-pressure. */
    private StreamWriter stream;
    /** While continuing a broken stream: the relay that broke, and whether the attempt uses prefill. */
    private CallerFormat.StreamRelay broken;
    private boolean prefill;
    // Pending deadlines (null when none): cheap to schedule and cancel, see Deadlines.
    private Deadlines.Deadline firstByteTimer;
    private Deadlines.Deadline totalTimer;
    private Deadlines.Deadline idleTimer;
    private Deadlines.Deadline deadlineTimer;
    private Deadlines.Deadline retryTimer;
    private long lastChunkNanos;
    private boolean headersSent;
    private boolean finished;
    private long startNanos;
    /** Ending a stream whose answer finished before its attempt failed (see attemptFailed). */
    private boolean finalising;
    private GatewayException lastError;
    /** Keeps the answer for the cache as the caller receives it; null when the call is not cached. */
    private ResponseCache.Recording recording;

    Execution(Vertx vertx, Call call, CallerFormat caller, AttemptPlan plan, HttpServerResponse out,
            TargetHealth health, RoutingConfig routing) {
        this.deadlines = Deadlines.current(vertx);
        this.call = call;
        this.caller = caller;
        this.plan = plan;
        this.out = out;
        this.health = health;
        this.routing = routing;
    }

    /** Records a successful answer for the cache (null: nothing is recorded). */
    Execution recording(ResponseCache.Recording recording) {
        this.recording = recording;
        return this;
    }

    Future<Void> start() {
        out.closeHandler(v -> clientGone());
        startNanos = System.nanoTime();
        long deadline = routing.deadline().toMillis();
        deadlineTimer = deadlines.schedule(deadline, () -> {
            deadlineTimer = null;
            deadlineExceeded(deadline);
        });
        Target first = plan.next();
        if (first == null) {
            fail(null);
        } else {
            attempt(first);
        }
        return done.future();
    }

    private void attempt(Target next) {
        if (finished) {
            return;
        }
        if (target == null || !next.key().equals(target.key())) {
            sameTargetRetries = 0;
            rotationKeys = next.provider().extraApiKeys();
            keyIndex = 0;
        }
        target = next;
        held = null;
        if (stream != null) {
            stream.forget(); // a continuation starts unpaused; the broken attempt's read is cancelled
        }
        finalising = false;
        attempts++;
        int id = ++attemptId;
        attemptStart = System.nanoTime();
        attemptFirstByte = 0;
        health.started(target);
        Provider provider = target.provider();
        // Asynchronous because a translation may need I/O first (images fetched for Gemini);
        // the deadlines below already run during that preparation.
        if (broken == null) {
            leg = caller.leg(target);
        }
        Future<UpstreamRequest> request = broken != null
                ? caller.continuationRequest(target, broken, prefill)
                : leg.upstreamRequest();
        Timeouts timeouts = target.timeouts();
        long firstByteMillis = health.firstByteDeadlineMillis(target); // learned per target unless configured
        Target waiting = target;
        firstByteTimer = deadlines.schedule(firstByteMillis, () -> {
            firstByteTimer = null;
            if (id == attemptId) {
                health.firstByteMissed(waiting, firstByteMillis);
                attemptFailed(UpstreamError.of(ErrorClass.TIMEOUT,
                        "no response within the first-byte deadline of " + firstByteMillis + " ms"), true);
            }
        });
        totalTimer = deadlines.schedule(timeouts.total().toMillis(), () -> {
            totalTimer = null;
            if (id == attemptId) {
                attemptFailed(UpstreamError.of(ErrorClass.TIMEOUT,
                        "the call exceeded its total deadline of " + timeouts.total().toMillis() + " ms"), false);
            }
        });
        request.onComplete(prepared -> {
            if (id != attemptId || finished) {
                return;
            }
            if (prepared.failed()) {
                if (prepared.cause() instanceof GatewayException e) {
                    endAttempt(TargetHealth.Outcome.NEUTRAL, 0);
                    fail(e); // the caller's request cannot be expressed: no other target will do better
                } else {
                    attemptFailed(errorOf(prepared.cause()), false);
                }
                return;
            }
            send(provider, prepared.result(), timeouts, id);
        });
    }

    private void send(Provider provider, UpstreamRequest request, Timeouts timeouts, int id) {
        if (call.trace() != null) {
            // W3C trace context: the provider's own traces (if it keeps any) join this attempt's span.
            request.headers().set("traceparent", call.trace().attemptStarted(provider.name(), target.upstreamModel()));
        }
        upstream = provider.transport().send(request, timeouts);
        upstream.response().onComplete(result -> {
            if (id != attemptId || finished) {
                return;
            }
            if (result.failed()) {
                attemptFailed(errorOf(result.cause()), false);
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
                attemptFailed(target.provider().codec().classify(status, response.headers(), errorBody), false);
            });
            return;
        }
        if (!caller.stream()) {
            firstByteMet();
            // A body that stalls after its head must not hold the caller until the total deadline
            // (minutes): the idle deadline applies to the gaps of a whole body as it does to a stream.
            lastChunkNanos = System.nanoTime();
            armIdleTimer(target.timeouts().idle().toMillis(), id);
            Bodies.collect(response, MAX_RESPONSE_BYTES, chunk -> lastChunkNanos = System.nanoTime()).onComplete(body -> {
                if (id != attemptId || finished) {
                    return;
                }
                if (body.failed()) {
                    attemptFailed(errorOf(body.cause()), false);
                } else {
                    completeWhole(body.result());
                }
            });
            return;
        }
        relay = broken != null ? caller.continuation(broken, target, prefill) : leg.relay();
        if (relay.defers()) {
            // A remote output check releases held text when its verdict comes, after this chunk's turn.
            relay.later(bytes -> {
                if (id == attemptId && !finished) {
                    deliver(bytes);
                }
            }, failure -> {
                if (id == attemptId && !finished) {
                    answerFailed(failure);
                }
            });
        }
        if (headersSent) {
            // A continuation: the caller's stream is open, so the idle deadline runs from now.
            lastChunkNanos = System.nanoTime();
            armIdleTimer(target.timeouts().idle().toMillis(), id);
        }
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
                attemptFailed(errorOf(t), false);
            }
        });
        response.resume();
    }

    private void completeWhole(Buffer body) {
        if (leg.answersLater()) {
            // A remote output guardrail judges the answer first: its own deadline bounds the wait.
            clearAttemptTimers();
            int id = attemptId;
            Future<Buffer> checked;
            try {
                checked = leg.answerLater(body, call);
            } catch (RuntimeException e) {
                checked = Future.failedFuture(e);
            }
            checked.onComplete(r -> {
                if (id != attemptId || finished) {
                    return;
                }
                if (r.succeeded()) {
                    sendWhole(r.result());
                } else {
                    answerFailed(r.cause());
                }
            });
            return;
        }
        Buffer answer;
        try {
            answer = leg.answer(body, call);
        } catch (RuntimeException e) {
            answerFailed(e);
            return;
        }
        sendWhole(answer);
    }

    /** A whole answer or a stream chunk could not be turned into the caller's bytes, or a guardrail blocked it. */
    private void answerFailed(Throwable e) {
        if (e instanceof UpstreamException u) {
            attemptFailed(u.error(), false);
        } else if (e instanceof GatewayException blocked) {
            outputBlocked(blocked);
        } else {
            attemptFailed(UpstreamError.of(ErrorClass.UPSTREAM_ERROR, (caller.stream() ? "malformed stream chunk from provider: "
                    : "malformed response from provider: ") + e.getMessage()), false);
        }
    }

    private void sendWhole(Buffer answer) {
        recordAttempt(200, null);
        endAttempt(TargetHealth.Outcome.SUCCESS, tokens());
        finish();
        call.markFirstByte();
        call.captureResponse(answer);
        if (recording != null) {
            recording.append(answer);
            recorded();
        }
        whenReadyToEnd(() -> {
            String type = caller.answerContentType(upstreamResponse.headers());
            decorate(out).setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, type == null ? JSON : type).end(answer);
            done.tryComplete();
        });
    }

    /** Runs {@code end} once the caller format's {@link CallerFormat#beforeEnd} work is done (at once when there is none). */
    private void whenReadyToEnd(Runnable end) {
        Future<Void> ready;
        try {
            ready = caller.beforeEnd(call);
        } catch (RuntimeException e) {
            ready = Future.failedFuture(e);
        }
        if (ready.isComplete()) {
            end.run();
        } else {
            ready.onComplete(v -> end.run());
        }
    }

    private void onChunk(Buffer chunk) {
        lastChunkNanos = System.nanoTime();
        Buffer bytes;
        try {
            bytes = relay.relay(chunk);
        } catch (RuntimeException e) {
            answerFailed(e);
            return;
        }
        deliver(bytes);
    }

    /** Sends a relay's bytes to the caller: the stream's head first, then back-pressure on the upstream. */
    private void deliver(Buffer bytes) {
        if (bytes.length() == 0) {
            if (!headersSent && firstByteTimer != null && relay.answering()) {
                // The answer has begun but an output guardrail holds it back: the first-byte deadline
                // is met, and from here the idle deadline watches the upstream's gaps.
                firstByteMet();
                armIdleTimer(target.timeouts().idle().toMillis(), attemptId);
            }
            return;
        }
        if (!headersSent) {
            if (!relay.answering() && (held == null || held.length() < StreamWriter.MAX_HELD_BYTES)) {
                // Only the stream's opening so far: committing to this target now would turn a slow
                // first token into a mid-stream failure; hold it and let the first-byte deadline run.
                held = held == null ? Buffer.buffer().appendBuffer(bytes) : held.appendBuffer(bytes);
                return;
            }
            sendStreamHead();
            bytes = releaseHeld(bytes);
        } else if (firstByteTimer != null) {
            // A continuation delivered its first bytes.
            firstByteMet();
        }
        call.captureResponse(bytes);
        if (recording != null) {
            recording.append(bytes);
        }
        // Chunks of one upstream read go out as one write; a slow caller slows the upstream.
        stream.write(bytes, upstreamResponse);
    }

    /** The held opening bytes followed by {@code bytes}. */
    private Buffer releaseHeld(Buffer bytes) {
        if (held == null) {
            return bytes;
        }
        Buffer all = held.appendBuffer(bytes);
        held = null;
        return all;
    }

    private void sendStreamHead() {
        headersSent = true;
        stream = new StreamWriter(out);
        call.markFirstByte();
        firstByteMet();
        armIdleTimer(target.timeouts().idle().toMillis(), attemptId);
        String type = caller.answerContentType(upstreamResponse.headers());
        decorate(out).setStatusCode(200)
                .setChunked(true)
                .putHeader(HttpHeaders.CONTENT_TYPE, type == null ? EVENT_STREAM : type)
                .putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE);
    }

    /**
     * The answer began: the first-byte deadline is met. Its time (for a stream, when the answer
     * itself began, not its opening role chunk) is what the target's learned deadline is made of.
     */
    private void firstByteMet() {
        firstByteTimer = cancel(firstByteTimer);
        if (attemptFirstByte == 0) {
            attemptFirstByte = System.nanoTime();
        }
    }

    /** One deadline per stream that re-arms itself for the remaining time, instead of one per chunk. */
    private void armIdleTimer(long idleMillis, int id) {
        checkIdleAfter(idleMillis, idleMillis, id);
    }

    /** @param idleMillis the configured gap, always the measure: the delay is only when to look next */
    private void checkIdleAfter(long delayMillis, long idleMillis, int id) {
        cancel(idleTimer);
        idleTimer = deadlines.schedule(delayMillis, () -> {
            idleTimer = null;
            if (id != attemptId || finished) {
                return;
            }
            long silentMillis = (System.nanoTime() - lastChunkNanos) / 1_000_000;
            if (silentMillis >= idleMillis) {
                attemptFailed(UpstreamError.of(ErrorClass.TIMEOUT, (caller.stream() ? "the stream" : "the response body")
                        + " stalled: no data for " + silentMillis + " ms"), false);
            } else {
                checkIdleAfter(idleMillis - silentMillis, idleMillis, id);
            }
        });
    }

    private void onStreamEnd() {
        Buffer tail;
        try {
            tail = relay.end();
        } catch (RuntimeException e) {
            answerFailed(e);
            return;
        }
        Future<Void> settled = relay.settled();
        if (!settled.isComplete()) {
            // A remote output check still judges held text: what it releases arrives through
            // StreamRelay#later; the stream ends once it is done. The upstream has ended, so its
            // deadlines no longer apply; the check's own deadline (and the request's) bound the wait.
            clearAttemptTimers();
            deliver(tail);
            int id = attemptId;
            settled.onComplete(r -> {
                if (id != attemptId || finished) {
                    return;
                }
                if (r.failed()) {
                    answerFailed(r.cause());
                } else {
                    streamEnded(Buffer.buffer());
                }
            });
            return;
        }
        if (settled.failed()) {
            answerFailed(settled.cause());
            return;
        }
        streamEnded(tail);
    }

    /** The upstream's stream ended and nothing is held: ends the caller's stream with {@code tail}. */
    private void streamEnded(Buffer tail) {
        if (!relay.complete()) {
            attemptFailed(UpstreamError.of(ErrorClass.CONNECTION, "the provider's stream ended before the answer was complete"), false);
            return;
        }
        countUsage(relay);
        recordAttempt(200, null);
        endAttempt(TargetHealth.Outcome.SUCCESS, tokens());
        finish();
        if (!headersSent) {
            sendStreamHead();
            tail = releaseHeld(tail);
        }
        call.captureResponse(tail);
        if (recording != null) {
            recording.append(tail);
            recorded();
        }
        Buffer last = tail;
        whenReadyToEnd(() -> {
            stream.end(last);
            done.tryComplete();
        });
    }

    /** The answer reached the caller whole: the cache may keep it (never an error or a cut stream: those end elsewhere). */
    private void recorded() {
        ResponseCache.Recording complete = recording;
        recording = null;
        complete.completed(call.usage(), target.provider().name(), target.upstreamModel());
    }

    /**
     * An attempt failed. Decides between retrying the same target, moving on to the next one,
     * continuing a broken stream elsewhere, and giving up.
     *
     * @param firstByteTimeout the target never produced a first byte in time: not retried, move on
     */
    private void attemptFailed(UpstreamError error, boolean firstByteTimeout) {
        if (finished) {
            return;
        }
        if (!finalising && headersSent && caller.stream() && relay != null && relay.complete()) {
            // The answer reached its finish (and usage, if any) and only then stalled, was cut or
            // garbled: it is whole. Continuing it elsewhere sent a second answer's finish chunk
            // after the first; end it here with its terminator instead, as a success.
            finalising = true; // should closing the relay fail, the failure takes the usual path
            cancelUpstream();
            clearAttemptTimers();
            onStreamEnd();
            return;
        }
        recordAttempt(error.status(), error.errorClass());
        endAttempt(outcomeOf(error.errorClass()), 0);
        attemptId++; // callbacks the cancel below may fire synchronously belong to a finished attempt
        cancelUpstream();
        clearAttemptTimers();
        lastError = UpstreamErrors.toCaller(error, target.provider().name());
        plan.failed(target, error);
        if (attempts >= routing.retries().maxAttempts()) {
            giveUp();
            return;
        }
        if (headersSent) {
            continueStream(error);
            return;
        }
        if (!error.errorClass().tryNextTarget()) {
            giveUp();
            return;
        }
        if (!firstByteTimeout && retrySameTarget(error)) {
            return;
        }
        Target next = plan.next();
        if (next == null) {
            giveUp();
        } else {
            attempt(next);
        }
    }

    /**
     * Retries the same target when that is likely to work: a rate-limited key rotates to the
     * provider's next key at once; otherwise a rate limit whose Retry-After is within the cap, an
     * overload, a server error or a dropped connection is retried after a jittered back-off —
     * before the next target by default, so the caller keeps the model it asked for when one short
     * wait would do ({@code prefer: next-target}: only once no other target remains). Returns false
     * to move on (or give up).
     */
    private boolean retrySameTarget(UpstreamError error) {
        ErrorClass kind = error.errorClass();
        if (kind == ErrorClass.RATE_LIMIT && keyIndex < rotationKeys.size()) {
            Provider rotated = target.provider().withApiKey(rotationKeys.get(keyIndex++));
            attempt(target.with(rotated));
            return true;
        }
        if (sameTargetRetries >= routing.retries().sameTarget()
                || (plan.hasMore() && !routing.retries().prefersSameTarget())) {
            return false; // the circuit breaker keeps an ailing target out of later plans
        }
        boolean retryable = switch (kind) {
            // Without a hint the limit may last a minute: the caller (or its SDK) is better placed to wait.
            case RATE_LIMIT -> error.retryAfter() != null
                    && error.retryAfter().compareTo(routing.retries().retryAfterCap()) <= 0;
            case OVERLOADED, UPSTREAM_ERROR, CONNECTION -> true;
            default -> false;
        };
        if (!retryable) {
            return false;
        }
        long delay = Backoff.delayMillis(routing.retries(), sameTargetRetries, error.retryAfter());
        long left = routing.deadline().toMillis() - (System.nanoTime() - startNanos) / 1_000_000;
        if (delay >= left) {
            // Waiting would run into the request deadline and turn a 429 with its Retry-After (or
            // the provider's error) into a 504 after the wait: pass the provider's answer on now.
            return false;
        }
        sameTargetRetries++;
        Target same = target;
        if (delay <= 0) {
            attempt(same);
        } else {
            retryTimer = deadlines.schedule(delay, () -> {
                retryTimer = null;
                attempt(same);
            });
        }
        return true;
    }

    /** A stream broke after bytes reached the caller: continue it on the next target, or end it with an error. */
    private void continueStream(UpstreamError error) {
        CallerFormat.StreamRelay failed = relay;
        if (!"continue".equals(routing.streamRecovery()) || !caller.canContinue(failed)) {
            giveUp();
            return;
        }
        Target next;
        boolean nextPrefill;
        if (broken != null && prefill && error.errorClass() == ErrorClass.BAD_REQUEST) {
            // The target rejected the prefill: restart cleanly on the same target instead.
            next = target;
            nextPrefill = false;
        } else {
            next = plan.next();
            if (next == null && sameTargetRetries < routing.retries().sameTarget()) {
                next = target; // the only target left may well answer a second time
                sameTargetRetries++;
            }
            nextPrefill = next != null && supportsPrefill(next);
        }
        if (next == null) {
            giveUp();
            return;
        }
        broken = failed; // a continuation that broke is itself continued: it knows all that was delivered
        prefill = nextPrefill;
        countUsage(failed);
        attempt(next);
    }

    /** Where the provider continues a final assistant message instead of answering it (Anthropic). */
    private static boolean supportsPrefill(Target target) {
        return target.provider().codec().format() == WireFormat.ANTHROPIC;
    }

    /**
     * An output guardrail blocked the answer (a GatewayException from the caller's relay or answer,
     * which is the gateway's own verdict, never an upstream failure). The upstream did its job, so
     * the attempt counts as a success and is not retried: another model's answer is not what was
     * checked. Nothing held back is released; a stream gets the block as its in-band error event,
     * opened for it if nothing was sent yet, and a whole answer becomes the error response.
     */
    private void outputBlocked(GatewayException blocked) {
        if (relay != null && caller.stream()) {
            countUsage(relay);
        }
        recordAttempt(200, null);
        endAttempt(TargetHealth.Outcome.SUCCESS, tokens());
        attemptId++;
        cancelUpstream();
        if (caller.stream() && !headersSent) {
            sendStreamHead();
            Buffer opening = releaseHeld(Buffer.buffer());
            stream.write(opening, null);
        }
        fail(blocked);
    }

    private void giveUp() {
        fail(lastError);
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
            countUsage(relay);
            Buffer trailer = relay.error(error);
            call.captureResponse(trailer);
            stream.end(trailer);
        } else {
            decorate(out);
            if (error.retryAfter() != null) {
                out.putHeader("retry-after", Long.toString(Math.max(1, error.retryAfter().toSeconds())));
            }
            out.setStatusCode(error.status()).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(caller.errorBody(error));
        }
        done.tryFail(error);
    }

    private void deadlineExceeded(long deadlineMillis) {
        if (finished) {
            return;
        }
        if (upstream != null || firstByteTimer != null) {
            recordAttempt(0, ErrorClass.TIMEOUT);
            endAttempt(TargetHealth.Outcome.NEUTRAL, 0);
        }
        attemptId++;
        cancelUpstream();
        fail(new GatewayException(ErrorType.TIMEOUT, "The request exceeded the gateway's deadline of " + deadlineMillis
                + " ms (routing.deadline)" + (lastError == null ? "." : "; last error: " + lastError.getMessage()),
                null, "request_deadline_exceeded"));
    }

    private void clientGone() {
        if (finished) {
            return;
        }
        if (upstream != null || firstByteTimer != null) {
            recordAttempt(499, null);
            endAttempt(TargetHealth.Outcome.NEUTRAL, 0);
        }
        finish();
        cancelUpstream();
        // CLIENT_CLOSED (499), as when the caller leaves mid-body: the request log and the analytics
        // then count it as the caller's doing, as the access log and the metrics already did, not as a bad request (400).
        done.tryFail(new GatewayException(ErrorType.CLIENT_CLOSED, "client disconnected", null, "client_closed_request"));
    }

    /** Transparency: which provider and upstream model answered, after how many attempts, and why this route. */
    private HttpServerResponse decorate(HttpServerResponse response) {
        call.applyResponseHeaders(response);
        if (target != null) {
            response.putHeader(PROVIDER_HEADER, target.provider().name());
            response.putHeader(MODEL_HEADER, target.upstreamModel());
        }
        response.putHeader(ATTEMPTS_HEADER, Integer.toString(attempts));
        if (call.routeReason() != null) {
            response.putHeader(ROUTE_HEADER, call.routeReason());
        }
        return response;
    }

    private void recordAttempt(int status, ErrorClass errorClass) {
        if (target != null) {
            call.addAttempt(new Call.Attempt(target.provider().name(), target.upstreamModel(), status,
                    errorClass == null ? null : errorClass.name(), System.nanoTime() - attemptStart));
        }
    }

    private void endAttempt(TargetHealth.Outcome outcome, long tokens) {
        long now = System.nanoTime();
        health.finished(target, outcome, attemptFirstByte == 0 ? 0 : attemptFirstByte - attemptStart, now - attemptStart, tokens);
    }

    private long tokens() {
        return call.usage() == null ? 0 : call.usage().totalTokens();
    }

    static TargetHealth.Outcome outcomeOf(ErrorClass errorClass) {
        return switch (errorClass) {
            case BAD_REQUEST, CONTENT_POLICY, CONTEXT_LENGTH -> TargetHealth.Outcome.NEUTRAL;
            default -> TargetHealth.Outcome.FAILURE;
        };
    }

    /** Adds what a relay's attempt consumed (every attempt is billed by its provider), once per relay. */
    private void countUsage(CallerFormat.StreamRelay counting) {
        if (counting != null && counting != counted) {
            counted = counting;
            call.usage(sum(call.usage(), counting.usage()));
        }
    }

    private static Usage sum(Usage a, Usage b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return new Usage(a.inputTokens() + b.inputTokens(), a.outputTokens() + b.outputTokens(),
                a.cachedInputTokens() + b.cachedInputTokens(), a.cacheWriteTokens() + b.cacheWriteTokens(),
                a.reasoningTokens() + b.reasoningTokens());
    }

    private void finish() {
        finished = true;
        attemptId++; // every callback still in flight now sees a stale id and does nothing
        clearAttemptTimers();
        deadlineTimer = cancel(deadlineTimer);
        retryTimer = cancel(retryTimer);
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

    private void clearAttemptTimers() {
        firstByteTimer = cancel(firstByteTimer);
        totalTimer = cancel(totalTimer);
        idleTimer = cancel(idleTimer);
    }

    /** Cancels {@code deadline} if there is one; returns null, for the field that held it. */
    private static Deadlines.Deadline cancel(Deadlines.Deadline deadline) {
        if (deadline != null) {
            deadline.cancel();
        }
        return null;
    }

    static UpstreamError errorOf(Throwable t) {
        if (t instanceof UpstreamException e) {
            return e.error();
        }
        return UpstreamError.of(ErrorClass.CONNECTION, t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }
}
