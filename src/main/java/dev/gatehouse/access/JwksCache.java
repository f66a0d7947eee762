package dev.gatehouse.access;

import com.nimbusds.jose.jwk.JWKSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity provider's signing keys, held in memory. Fetched on a background thread at
 * start, every {@code refresh}, and soon after a token names a key id we do not know (at most
 * once per {@code minRefresh}, so a flood of forged tokens cannot flood the provider). The
 * request path only reads {@link #current()}.
 */
public final class JwksCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JwksCache.class);

    private final URI url;
    private final Duration refresh;
    private final Duration minRefresh;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NORMAL).build();
    private final ScheduledExecutorService fetcher =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("gatehouse-jwks").factory());
    private final AtomicLong lastFetchStart = new AtomicLong(Long.MIN_VALUE / 2);
    private volatile JWKSet current = new JWKSet();

    public JwksCache(URI url, Duration refresh, Duration minRefresh) {
        this.url = url;
        this.refresh = refresh;
        this.minRefresh = minRefresh;
    }

    /** Fetches once, waiting up to {@code wait} (startup only), then keeps refreshing in the background. */
    public JwksCache start(Duration wait) {
        var first = fetcher.submit(this::fetchQuietly);
        try {
            first.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("identity provider keys from {} not loaded yet; JWTs are refused until they are", url);
        }
        long every = refresh.toMillis();
        fetcher.scheduleWithFixedDelay(this::fetchQuietly, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    public JWKSet current() {
        return current;
    }

    /** Asks for a fetch because a token named an unknown key; ignored if one ran within {@code minRefresh}. */
    public void refreshSoon() {
        long now = System.nanoTime();
        long last = lastFetchStart.get();
        if (now - last >= minRefresh.toNanos() && lastFetchStart.compareAndSet(last, now)) {
            fetcher.execute(this::fetchQuietly);
        }
    }

    private void fetchQuietly() {
        lastFetchStart.set(System.nanoTime());
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                    .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                LOG.warn("identity provider keys from {}: HTTP {}; keeping the {} keys loaded before", url, response.statusCode(),
                        current.getKeys().size());
                return;
            }
            // Only public keys are kept: a JWKS that (wrongly) contains private parts never lends them to us.
            current = JWKSet.parse(response.body()).toPublicJWKSet();
            LOG.debug("loaded {} signing keys from {}", current.getKeys().size(), url);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("identity provider keys from {} not refreshed: {}", url, e.toString());
        }
    }

    @Override
    public void close() {
        fetcher.shutdownNow();
    }
}
