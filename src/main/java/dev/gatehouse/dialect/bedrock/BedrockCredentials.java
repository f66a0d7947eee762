package dev.gatehouse.dialect.bedrock;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The AWS credentials one Bedrock provider signs with, cached in memory so the request path
 * reads a field. Resolving (the default chain may read files or call the instance-metadata
 * service) runs off the event loop, once for all callers waiting at that moment.
 *
 * <p>Temporary credentials are refreshed {@link #REFRESH_BEFORE} ahead of their expiry, so a
 * call is never signed with a token about to lapse. When AWS still answers that the token expired
 * (revoked, or a clock that disagrees), {@link #renew} drops the cache and builds the source anew,
 * so that even a chain that caches inside the SDK resolves afresh.
 */
final class BedrockCredentials {
    static final Duration REFRESH_BEFORE = Duration.ofMinutes(5);
    /**
     * How long calls wait for a resolution (STS, instance metadata). The sources bound their own
     * network calls too; this bounds whatever they do not, so a call fails instead of hanging.
     */
    static final Duration RESOLVE_DEADLINE = Duration.ofSeconds(20);

    private final Vertx vertx;
    private final Supplier<AwsCredentialsProvider> sources;
    private final Clock clock;
    private final Duration deadline;
    private AwsCredentialsProvider source;
    private volatile AwsCredentialsIdentity current;
    private Future<AwsCredentialsIdentity> resolving;

    BedrockCredentials(Vertx vertx, Supplier<AwsCredentialsProvider> sources, Clock clock) {
        this(vertx, sources, clock, RESOLVE_DEADLINE);
    }

    BedrockCredentials(Vertx vertx, Supplier<AwsCredentialsProvider> sources, Clock clock, Duration deadline) {
        this.deadline = deadline;
        this.vertx = vertx;
        this.sources = sources;
        this.clock = clock;
    }

    /** Credentials valid for at least {@link #REFRESH_BEFORE}: the cached ones, or freshly resolved. */
    Future<AwsCredentialsIdentity> get() {
        AwsCredentialsIdentity cached = current;
        if (cached != null && !expiresSoon(cached)) {
            return Future.succeededFuture(cached);
        }
        return resolve(false).recover(failed -> {
            // The source is down but what we hold is still valid: use it until it really lapses.
            AwsCredentialsIdentity held = current;
            return held != null && !expired(held) ? Future.succeededFuture(held) : Future.failedFuture(failed);
        });
    }

    /** AWS rejected {@code stale} as expired: resolve again from a new source (once per stale identity). */
    Future<AwsCredentialsIdentity> renew(AwsCredentialsIdentity stale) {
        synchronized (this) {
            if (current != stale && current != null) {
                return Future.succeededFuture(current); // another call renewed already
            }
            current = null;
        }
        return resolve(true);
    }

    private synchronized Future<AwsCredentialsIdentity> resolve(boolean newSource) {
        if (resolving != null) {
            return resolving;
        }
        Future<AwsCredentialsIdentity> f = vertx.executeBlocking(() -> {
            AwsCredentialsProvider s;
            synchronized (this) {
                if (source == null || newSource) {
                    if (source instanceof SdkAutoCloseable closeable) {
                        closeable.close();
                    }
                    source = sources.get();
                }
                s = source;
            }
            return (AwsCredentialsIdentity) s.resolveCredentials();
        }, false).timeout(deadline);
        resolving = f;
        f.onComplete(done -> {
            synchronized (this) {
                resolving = null;
                if (done.succeeded()) {
                    current = done.result();
                }
            }
        });
        return f;
    }

    private boolean expiresSoon(AwsCredentialsIdentity identity) {
        return identity.expirationTime().map(t -> t.minus(REFRESH_BEFORE).isBefore(clock.instant())).orElse(false);
    }

    private boolean expired(AwsCredentialsIdentity identity) {
        Instant now = clock.instant();
        return identity.expirationTime().map(t -> !t.isAfter(now)).orElse(false);
    }

    synchronized void close() {
        if (source instanceof SdkAutoCloseable closeable) {
            closeable.close();
        }
    }
}
