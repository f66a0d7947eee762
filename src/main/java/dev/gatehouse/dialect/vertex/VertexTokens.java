package dev.gatehouse.dialect.vertex;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.function.Supplier;

/**
 * The OAuth access token one Vertex provider sends, cached in memory so the request path reads a
 * field. Tokens come from google-auth-library (a service-account key, application default
 * credentials or workload identity); fetching one is blocking I/O, so it runs off the event loop,
 * once for all calls waiting at that moment. A token is replaced {@link #REFRESH_BEFORE} ahead of
 * its expiry; when Google still answers 401, {@link #renew} fetches a new one.
 */
final class VertexTokens {
    static final Duration REFRESH_BEFORE = Duration.ofMinutes(5);
    static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";

    private final Vertx vertx;
    private final Supplier<GoogleCredentials> source;
    private final Clock clock;
    private GoogleCredentials credentials;
    private volatile AccessToken current;
    private Future<AccessToken> fetching;

    VertexTokens(Vertx vertx, Supplier<GoogleCredentials> source, Clock clock) {
        this.vertx = vertx;
        this.source = source;
        this.clock = clock;
    }

    Future<AccessToken> get() {
        AccessToken cached = current;
        if (cached != null && !expiresSoon(cached)) {
            return Future.succeededFuture(cached);
        }
        return fetch().recover(failed -> {
            AccessToken held = current;
            return held != null && !expired(held) ? Future.succeededFuture(held) : Future.failedFuture(failed);
        });
    }

    /** Google refused {@code stale}: fetch a new token (once, however many calls saw the refusal). */
    Future<AccessToken> renew(AccessToken stale) {
        synchronized (this) {
            if (current != stale && current != null) {
                return Future.succeededFuture(current);
            }
            current = null;
        }
        return fetch();
    }

    private synchronized Future<AccessToken> fetch() {
        if (fetching != null) {
            return fetching;
        }
        Future<AccessToken> f = vertx.executeBlocking(() -> {
            GoogleCredentials c;
            synchronized (this) {
                if (credentials == null) {
                    credentials = source.get();
                }
                c = credentials;
            }
            try {
                c.refresh(); // always a new token: the library's own cache would hand back the one refused
            } catch (IOException e) {
                throw new IOException("could not get a Google access token: " + e.getMessage(), e);
            }
            AccessToken token = c.getAccessToken();
            if (token == null) {
                throw new IOException("could not get a Google access token: the credentials gave none");
            }
            return token;
        }, false);
        fetching = f;
        f.onComplete(done -> {
            synchronized (this) {
                fetching = null;
                if (done.succeeded()) {
                    current = done.result();
                }
            }
        });
        return f;
    }

    private boolean expiresSoon(AccessToken token) {
        Date expiry = token.getExpirationTime();
        return expiry != null && expiry.toInstant().minus(REFRESH_BEFORE).isBefore(clock.instant());
    }

    private boolean expired(AccessToken token) {
        Date expiry = token.getExpirationTime();
        return expiry != null && !expiry.toInstant().isAfter(clock.instant());
    }
}
