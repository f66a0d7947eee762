package dev.gatehouse.gateway;

import dev.gatehouse.cache.CachedAnswer;
import dev.gatehouse.cache.ResponseCache;
import dev.gatehouse.call.Call;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * Answers a call from the cache: the stored bytes exactly as the first caller received them, a
 * stream as a stream (its chunks written in order with their original SSE framing, so ids and
 * {@code created} are those of the stored answer), a body as a body. The call gets no attempt and
 * no usage of its own, so it settles at zero cost; what it saved is noted on the call for the
 * request log and metrics.
 *
 * <p>This is the one place a cached answer leaves the gateway: an output check that must see
 * every answer (guardrails on the answer) goes here as well as on the upstream relay.
 */
final class CacheReplay {
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
    private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
    private static final CharSequence PROVIDER_HEADER = HttpHeaders.createOptimized("x-gatehouse-provider");
    private static final CharSequence MODEL_HEADER = HttpHeaders.createOptimized("x-gatehouse-model");
    private static final CharSequence ATTEMPTS_HEADER = HttpHeaders.createOptimized("x-gatehouse-attempts");

    private CacheReplay() {}

    static Future<Void> replay(Call call, ResponseCache.Hit hit, HttpServerResponse out) {
        CachedAnswer answer = hit.answer();
        call.cacheHit(hit.status(), answer.usage(), answer.upstreamModel());
        call.applyResponseHeaders(out);
        out.putHeader(ResponseCache.STATUS_HEADER, hit.header());
        if (answer.provider() != null && !answer.provider().isEmpty()) {
            out.putHeader(PROVIDER_HEADER, answer.provider());
        }
        if (answer.upstreamModel() != null && !answer.upstreamModel().isEmpty()) {
            out.putHeader(MODEL_HEADER, answer.upstreamModel());
        }
        out.putHeader(ATTEMPTS_HEADER, "0");
        out.setStatusCode(200);
        call.markFirstByte();
        if (!answer.stream()) {
            Buffer body = Buffer.buffer(answer.chunks().getFirst());
            call.captureResponse(body);
            return out.putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body);
        }
        out.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, EVENT_STREAM).putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE);
        // Bounded by cache.max-entry-size, so written at once: the socket's queue holds it for a slow reader.
        int last = answer.chunks().size() - 1;
        for (int i = 0; i < last; i++) {
            Buffer chunk = Buffer.buffer(answer.chunks().get(i));
            call.captureResponse(chunk);
            out.write(chunk);
        }
        Buffer tail = Buffer.buffer(answer.chunks().get(last));
        call.captureResponse(tail);
        return out.end(tail);
    }
}
