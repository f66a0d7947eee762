package dev.gatehouse.api;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * Requests this gateway sends to itself, as the caller whose credentials they carry: the rounds of
 * a tool loop, the embeddings and chat rounds of file search and ingestion. Each is an ordinary
 * request, so it is authenticated, routed, translated, limited, budgeted, settled and logged like
 * any call of that caller.
 */
public final class Loopback {
    /**
     * Headers of the caller's request that a request made on its behalf carries on (the Anthropic
     * ones matter to the rounds of a tool loop on {@code /v1/messages}; other endpoints ignore them).
     */
    public static final List<String> CARRIED = List.of("authorization", "x-api-key", "x-gatehouse-metadata",
            "x-gatehouse-fallbacks", "user-agent", "anthropic-version", "anthropic-beta");
    /**
     * Marks a request as this process's own, sent for a call in flight (a tool-loop round, a file
     * search): a draining node refuses new calls but must serve these, or the call they belong to
     * fails. The value is a secret of this process (never stored, logged or sent upstream), so a
     * caller cannot claim the exemption.
     */
    static final String MARK_HEADER = "x-gatehouse-loopback";
    private static final byte[] MARK = newMark();

    private final HttpClient client;
    private final String host;
    private final IntSupplier port;

    /**
     * @param host the address this gateway listens on (a wildcard address is reached on loopback)
     * @param port the port it listens on, once it does
     */
    public Loopback(HttpClient client, String host, IntSupplier port) {
        this.client = client;
        this.host = host == null || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") ? "127.0.0.1" : host;
        this.port = port;
    }

    /** The carried headers of a caller's request, to send later (held in memory only). */
    public static Map<String, String> credentials(MultiMap headers) {
        Map<String, String> carried = new LinkedHashMap<>();
        for (String name : CARRIED) {
            String value = headers.get(name);
            if (value != null) {
                carried.put(name, value);
            }
        }
        return carried;
    }

    private static byte[] newMark() {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII);
    }

    /** Adds the mark of this process's own requests (see {@link #MARK_HEADER}). */
    public static RequestOptions mark(RequestOptions options) {
        return options.putHeader(MARK_HEADER, new String(MARK, StandardCharsets.US_ASCII));
    }

    /** Whether {@code request} was sent by this process for a call in flight (compared in constant time). */
    public static boolean marked(HttpServerRequest request) {
        String value = request.getHeader(MARK_HEADER);
        return value != null && MessageDigest.isEqual(value.getBytes(StandardCharsets.US_ASCII), MARK);
    }

    /** A whole answer: its status, headers and body. */
    public record Answer(int status, MultiMap headers, Buffer body) {}

    /**
     * POSTs a JSON body to {@code path} with the given caller headers and reads the whole answer
     * before the future completes, so the caller may look at it from any thread, at any time (the
     * knowledge bases' ingestion threads do).
     */
    public Future<Answer> post(String path, Map<String, String> credentials, Buffer body, long idleTimeoutMillis) {
        return send(path, credentials, body, idleTimeoutMillis,
                response -> response.body().map(b -> new Answer(response.statusCode(), response.headers(), b)));
    }

    /**
     * POSTs a JSON body to {@code path} with the given caller headers and hands the answer to
     * {@code onResponse} as its head arrives, on the client's event loop, before any of its body:
     * there {@code onResponse} sets the body's handlers (to relay a stream, say).
     *
     * <p>Why the answer is not simply returned: Vert.x delivers the body right after the head, to
     * the handlers set by then, and drops what finds none; {@code body()} asked after the end
     * completes with what was kept, nothing. A caller off the event loop that attached its handler
     * to a returned response a moment late (its thread descheduled, or linking a lambda the first
     * time) got status 200 with an empty body: the knowledge bases' first embedding, "0 vectors
     * for 2 inputs", intermittently. Composed here, inside the request's own callback on the event
     * loop, {@code onResponse} is in place before the first byte of the body can be delivered.
     */
    public <T> Future<T> send(String path, Map<String, String> credentials, Buffer body, long idleTimeoutMillis,
            Function<HttpClientResponse, Future<T>> onResponse) {
        RequestOptions options = mark(new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port.getAsInt())
                .setURI(path).putHeader("content-type", "application/json"));
        if (idleTimeoutMillis > 0) {
            options.setIdleTimeout(idleTimeoutMillis);
        }
        credentials.forEach(options::putHeader);
        return client.request(options).compose(request -> request.send(body).compose(onResponse));
    }
}
