package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the small strict fakes of one JSON API (Mistral, Cohere) share, so that each keeps only its
 * provider's rules: a server on an ephemeral port of 127.0.0.1, every request recorded (headers,
 * bytes and JSON body) before it is judged, and a failure armed for the next valid request.
 */
abstract class RecordingFake implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A failure for the next request that passes validation: its status, what the provider's error
     * body says (a whole body or a message, as the fake renders it) and a Retry-After (none when negative).
     */
    record Failure(int status, String payload, int retryAfterSeconds) {
        /** Sets the Retry-After header, when there is one. */
        void retryAfter(HttpServerResponse response) {
            if (retryAfterSeconds >= 0) {
                response.putHeader("retry-after", Integer.toString(retryAfterSeconds));
            }
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicReference<Failure> failure = new AtomicReference<>();

    RecordingFake() {
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
                .requestHandler(req -> req.body().onSuccess(body -> handle(req, record(req, body))));
    }

    /** Answers a request already recorded; {@code json} is its body, or null when that is not JSON. */
    abstract void handle(HttpServerRequest req, JsonNode json);

    /** Listens; call once, from the fake's {@code start}. */
    void listen() {
        FakeBedrock.await(server.listen());
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public void close() {
        FakeBedrock.await(server.close());
        FakeBedrock.await(vertx.close());
    }

    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    public RecordedRequest lastRequest() {
        return requests.getLast();
    }

    void failNext(Failure next) {
        failure.set(next);
    }

    void clearFailure() {
        failure.set(null);
    }

    /** The armed failure, disarmed; null when none is. */
    Failure takeFailure() {
        return failure.getAndSet(null);
    }

    private JsonNode record(HttpServerRequest req, Buffer body) {
        JsonNode json = null;
        try {
            json = JSON.readTree(body.getBytes());
        } catch (Exception e) {
            // not JSON: the fake refuses it
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        req.headers().forEach(h -> headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(h.getValue()));
        requests.add(new RecordedRequest(req.method().name(), req.path(), "", Map.copyOf(headers), body.getBytes(), json, List.of()));
        return json;
    }
}
