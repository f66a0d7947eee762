package dev.gatehouse.provider.http;

import dev.gatehouse.config.Timeouts;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamCall;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.UpstreamResponse;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * Sends upstream requests over the shared, pooled, keep-alive Vert.x HTTP client. One client
 * serves every provider: Vert.x keeps a connection pool per upstream host.
 */
public final class HttpTransport implements Transport {
    private final HttpClient client;
    /**
     * Upstream URLs parsed once: {@code setAbsoluteURI} builds a {@code java.net.URL} per call,
     * which showed in the request-path profile. Providers have a handful of URLs (one per
     * operation, per deployment for Azure); the bound only guards against a surprise.
     */
    private final ConcurrentHashMap<String, Endpoint> endpoints = new ConcurrentHashMap<>();

    private record Endpoint(String host, Integer port, Boolean ssl, String uri) {
        static Endpoint parse(String url) {
            RequestOptions parsed = new RequestOptions().setAbsoluteURI(url);
            return new Endpoint(parsed.getHost(), parsed.getPort(), parsed.isSsl(), parsed.getURI());
        }
    }

    public HttpTransport(HttpClient client) {
        this.client = client;
    }

    @Override
    public UpstreamCall send(UpstreamRequest request, Timeouts timeouts) {
        Endpoint endpoint = endpoints.get(request.url());
        if (endpoint == null) {
            endpoint = Endpoint.parse(request.url());
            if (endpoints.size() < 1024) {
                endpoints.put(request.url(), endpoint);
            }
        }
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(endpoint.host())
                .setPort(endpoint.port())
                .setSsl(endpoint.ssl())
                .setURI(endpoint.uri())
                .setHeaders(request.headers())
                .setConnectTimeout(timeouts.connect().toMillis());
        return new HttpCall(client, options, request);
    }

    /** One HTTP exchange. {@link #cancel()} resets the stream, which on HTTP/1.1 closes the connection. */
    private static final class HttpCall implements UpstreamCall {
        private final Promise<UpstreamResponse> response = Promise.promise();
        private HttpClientRequest request;
        private boolean cancelled;

        HttpCall(HttpClient client, RequestOptions options, UpstreamRequest upstreamRequest) {
            client.request(options).onComplete(opened -> {
                if (opened.failed()) {
                    response.tryFail(classify(opened.cause()));
                    return;
                }
                request = opened.result();
                if (cancelled) {
                    request.reset();
                    return;
                }
                Future<HttpClientResponse> sending;
                if (upstreamRequest.upload() == null) {
                    sending = request.send(upstreamRequest.body());
                } else {
                    // A streamed upload: written with back-pressure, never whole in memory.
                    HttpClientRequest streaming = request;
                    streaming.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(upstreamRequest.upload().length()));
                    sending = streaming.response();
                    upstreamRequest.upload().writeTo(streaming).onComplete(written -> {
                        if (written.succeeded()) {
                            streaming.end();
                        } else {
                            streaming.reset(0, written.cause());
                        }
                    });
                }
                sending.onComplete(sent -> {
                    if (sent.failed()) {
                        response.tryFail(classify(sent.cause()));
                    } else {
                        // Paused until the executor has attached its handlers: no chunk can slip by.
                        sent.result().pause();
                        if (!response.tryComplete(new HttpUpstreamResponse(sent.result()))) {
                            request.reset();
                        }
                    }
                });
            });
        }

        @Override
        public Future<UpstreamResponse> response() {
            return response.future();
        }

        @Override
        public void cancel() {
            cancelled = true;
            if (request != null) {
                request.reset();
            }
            response.tryFail(new UpstreamException(UpstreamError.of(ErrorClass.CONNECTION, "upstream call cancelled")));
        }
    }

    static UpstreamException classify(Throwable cause) {
        if (cause instanceof UpstreamException e) {
            return e;
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        ErrorClass errorClass = ErrorClass.CONNECTION;
        if (cause instanceof TimeoutException
                || cause instanceof ConnectTimeoutException
                || message.toLowerCase(Locale.ROOT).contains("timed out")) {
            errorClass = ErrorClass.TIMEOUT;
        } else if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
            errorClass = ErrorClass.CONNECTION;
        }
        return new UpstreamException(UpstreamError.of(errorClass, "could not reach the provider: " + message));
    }
}
