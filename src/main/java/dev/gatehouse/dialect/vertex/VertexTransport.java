package dev.gatehouse.dialect.vertex;

import com.google.auth.oauth2.AccessToken;
import dev.gatehouse.config.Timeouts;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamCall;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.UpstreamResponse;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
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
        TokenCall call = new TokenCall();
        Context context = Vertx.currentContext();
        tokens.get().onComplete(token -> onContext(context, () -> {
            if (token.failed()) {
                call.response.tryFail(new UpstreamException(UpstreamError.of(ErrorClass.AUTHENTICATION,
                        "could not authenticate to Vertex AI: " + token.cause().getMessage())));
            } else {
                attempt(call, request, token.result(), timeouts, false);
            }
        }));
        return call;
    }

    private void attempt(TokenCall call, UpstreamRequest request, AccessToken token, Timeouts timeouts, boolean renewed) {
        if (call.cancelled) {
            return;
        }
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(request.headers());
        headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + token.getTokenValue());
        UpstreamCall inner = http.send(new UpstreamRequest(request.url(), headers, request.body(), request.stream()), timeouts);
        call.inner = inner;
        inner.response().onComplete(head -> {
            if (head.failed()) {
                call.response.tryFail(head.cause());
                return;
            }
            UpstreamResponse response = head.result();
            if (response.status() == 401 && !renewed) {
                inner.cancel(); // its body is Google's "invalid credentials": nothing the caller needs
                Context context = Vertx.currentContext();
                tokens.renew(token).onComplete(fresh -> onContext(context, () -> {
                    if (fresh.failed()) {
                        call.response.tryFail(new UpstreamException(UpstreamError.of(ErrorClass.AUTHENTICATION,
                                "Vertex AI refused the access token and a new one could not be fetched: "
                                        + fresh.cause().getMessage())));
                    } else {
                        attempt(call, request, fresh.result(), timeouts, true);
                    }
                }));
                return;
            }
            if (!call.response.tryComplete(response)) {
                inner.cancel();
            }
        });
    }

    private static void onContext(Context context, Runnable action) {
        if (context == null || Vertx.currentContext() == context) {
            action.run();
        } else {
            context.runOnContext(v -> action.run());
        }
    }

    private static final class TokenCall implements UpstreamCall {
        final Promise<UpstreamResponse> response = Promise.promise();
        volatile UpstreamCall inner;
        volatile boolean cancelled;

        @Override
        public Future<UpstreamResponse> response() {
            return response.future();
        }

        @Override
        public void cancel() {
            cancelled = true;
            UpstreamCall current = inner;
            if (current != null) {
                current.cancel();
            }
            response.tryFail(new UpstreamException(UpstreamError.of(ErrorClass.CONNECTION, "upstream call cancelled")));
        }
    }
}
