package dev.gatehouse.guardrails;

import dev.gatehouse.config.GuardrailConfig;
import dev.gatehouse.config.OutboundConfig;
import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.provider.http.OutboundGuard;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * Builds the remote guardrails (webhooks, moderation) and the one way they reach their services:
 * a JSON POST within a deadline, the answer's body read up to a cap. A webhook's address passes the
 * {@link OutboundGuard} (the SSRF rules) on every call, so a name that starts resolving to a private
 * address is refused; moderation calls go to a configured provider, like any model call.
 */
public final class RemoteChecks {
    static final int MAX_ANSWER_BYTES = 256 * 1024;

    private final Vertx vertx;
    private final HttpClient client;
    /** Reaches this gateway's models (classifier guardrails); set once the gateway listens. */
    private volatile ModelClient models;

    public RemoteChecks(Vertx vertx) {
        this.vertx = vertx;
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setConnectTimeout(5000).setTrustAll(false));
    }

    RemoteCheck webhook(GuardrailConfig config) {
        // Loopback and private ranges only when this guardrail says allow-private (a sidecar, a test).
        OutboundGuard guard = new OutboundGuard(new OutboundConfig(config.settings().allowPrivate(), java.util.List.of()),
                config.settings().allowPrivate(), InetAddress::getAllByName);
        return new WebhookCheck(this, config, guard);
    }

    RemoteCheck moderation(GuardrailConfig config, ProviderConfig provider) {
        return new ModerationCheck(this, config, provider);
    }

    RemoteCheck classifier(GuardrailConfig config) {
        return new ClassifierCheck(this, config);
    }

    /** How classifier guardrails reach the gateway's models (its loopback), once it can be called. */
    public void models(ModelClient models) {
        this.models = models;
    }

    ModelClient models() {
        return models;
    }

    /** {@code work}, failed with "no answer within ..." when it takes longer than {@code deadline}. */
    <T> Future<T> within(Future<T> work, Duration deadline) {
        Promise<T> promise = Promise.promise();
        long timer = vertx.setTimer(Math.max(1, deadline.toMillis()),
                t -> promise.tryFail(new IllegalStateException("no answer within " + deadline.toMillis() + " ms")));
        work.onComplete(r -> {
            vertx.cancelTimer(timer);
            if (r.succeeded()) {
                promise.tryComplete(r.result());
            } else {
                promise.tryFail(r.cause());
            }
        });
        return promise.future();
    }

    /**
     * POSTs {@code body} and completes with the answer's body when the status is 2xx; fails on
     * anything else (refused address, connection error, non-2xx, too large, later than {@code deadline}).
     *
     * @param guard the SSRF check for the address, or null for a configured provider
     */
    Future<Buffer> post(String url, MultiMap headers, Buffer body, Duration deadline, OutboundGuard guard) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (Exception e) {
            return Future.failedFuture(new IllegalArgumentException("its URL is not valid"));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            return Future.failedFuture(new IllegalArgumentException("only http and https URLs can be called"));
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        boolean tls = scheme.equals("https");
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        Promise<Buffer> promise = Promise.promise();
        long timer = vertx.setTimer(Math.max(1, deadline.toMillis()),
                t -> promise.tryFail(new IllegalStateException("no answer within " + deadline.toMillis() + " ms")));
        promise.future().onComplete(done -> vertx.cancelTimer(timer));
        Future<InetAddress> address = guard == null ? Future.succeededFuture(null)
                : vertx.executeBlocking(() -> guard.check(host), false); // resolving a name blocks
        address.onComplete(checked -> {
            if (checked.failed()) {
                promise.tryFail(new IllegalStateException(checked.cause() instanceof OutboundGuard.Refused r
                        ? "its address is refused: " + r.getMessage() : "its host could not be resolved"));
                return;
            }
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port).setSsl(tls)
                    .setURI(path).setFollowRedirects(false).setIdleTimeout(deadline.toMillis()).setHeaders(headers);
            if (checked.result() != null) {
                // connect to the address that was checked, never to the name again (DNS rebinding)
                options.setServer(SocketAddress.inetSocketAddress(port, checked.result().getHostAddress()));
            }
            client.request(options).compose(request -> request.send(body)).onComplete(sent -> {
                if (sent.failed()) {
                    promise.tryFail(new IllegalStateException("the call failed (" + sent.cause().getClass().getSimpleName() + ")"));
                    return;
                }
                var response = sent.result();
                int status = response.statusCode();
                Buffer answer = Buffer.buffer();
                response.handler(chunk -> {
                    if (answer.length() + chunk.length() > MAX_ANSWER_BYTES) {
                        response.request().reset();
                        promise.tryFail(new IllegalStateException("its answer is larger than " + MAX_ANSWER_BYTES + " bytes"));
                        return;
                    }
                    answer.appendBuffer(chunk);
                });
                response.exceptionHandler(t -> promise.tryFail(new IllegalStateException("reading its answer failed")));
                response.endHandler(v -> {
                    if (status < 200 || status >= 300) {
                        promise.tryFail(new IllegalStateException("it answered HTTP " + status));
                    } else {
                        promise.tryComplete(answer);
                    }
                });
            });
        });
        return promise.future();
    }
}
