package dev.gatehouse.dialect.vertex;

import com.google.auth.oauth2.AccessToken;
import dev.gatehouse.config.Timeouts;
import dev.gatehouse.provider.DeferredCall;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamCall;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.UpstreamResponse;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;

/**
 * Adds the OAuth bearer token to each Vertex request and sends it over the shared Vert.x
 * transport. A 401 (a token revoked or expired early) is not passed on: a new token is fetched
 * and the request sent once more.
 */
final class VertexTransport implements Transport {
    private final Transport http;
    private final VertexTokens tokens;

    VertexTransport(Transport http, VertexTokens tokens) {
        this.http = http;
        this.tokens = tokens;
    }

    @Override
    public UpstreamCall send(UpstreamRequest request, Timeouts timeouts) {
        DeferredCall call = new DeferredCall();
        Context context = Vertx.currentContext();
        tokens.get().onComplete(token -> DeferredCall.onContext(context, () -> {
            if (token.failed()) {
                call.fail(new UpstreamException(UpstreamError.of(ErrorClass.AUTHENTICATION,
                        "could not authenticate to Vertex AI: " + token.cause().getMessage())));
            } else {
                attempt(call, request, token.result(), timeouts, false);
            }
        }));
        return call;
    }

    private void attempt(DeferredCall call, UpstreamRequest request, AccessToken token, Timeouts timeouts, boolean renewed) {
        if (call.cancelled()) {
            return;
        }
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(request.headers());
        headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + token.getTokenValue());
        UpstreamCall inner = http.send(new UpstreamRequest(request.url(), headers, request.body(), request.stream()), timeouts);
        call.sending(inner);
        inner.response().onComplete(head -> {
            if (head.failed()) {
                call.fail(head.cause());
                return;
            }
            UpstreamResponse response = head.result();
            if (response.status() == 401 && !renewed) {
                inner.cancel(); // its body is Google's "invalid credentials": nothing the caller needs
                Context context = Vertx.currentContext();
                tokens.renew(token).onComplete(fresh -> DeferredCall.onContext(context, () -> {
                    if (fresh.failed()) {
                        call.fail(new UpstreamException(UpstreamError.of(ErrorClass.AUTHENTICATION,
                                "Vertex AI refused the access token and a new one could not be fetched: "
                                        + fresh.cause().getMessage())));
                    } else {
                        attempt(call, request, fresh.result(), timeouts, true);
                    }
                }));
                return;
            }
            if (!call.complete(response)) {
                inner.cancel();
            }
        });
    }
}
