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

    /** POSTs a JSON body to {@code path} with the given caller headers. */
    public Future<HttpClientResponse> post(String path, Map<String, String> credentials, Buffer body, long idleTimeoutMillis) {
        RequestOptions options = mark(new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port.getAsInt())
                .setURI(path).putHeader("content-type", "application/json"));
        if (idleTimeoutMillis > 0) {
            options.setIdleTimeout(idleTimeoutMillis);
        }
        credentials.forEach(options::putHeader);
        return client.request(options).compose(r -> r.send(body));
    }
}
