package dev.gatehouse.provider.http;

import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.UpstreamRequest;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Asks every provider its cheap authenticated {@code GET} ({@link Provider#probe}, the model
 * list) and says what the answers mean: a base URL that answers 404 is almost certainly wrong (a
 * missing or extra version path), a 401/403 means the key is refused, no answer means the host is
 * unreachable. Run by {@code gatehouse check} and, in the background, at start-up, so a
 * misconfigured upstream is found by the operator rather than by the first users.
 */
public final class ConnectivityCheck {
    private ConnectivityCheck() {}

    /**
     * @param problem null when the provider answered as expected (or has no probe: {@code status} -1)
     */
    public record Finding(String provider, String url, int status, String problem) {
        public boolean ok() {
            return problem == null;
        }
    }

    /** Probes every provider at once, each bounded by {@code timeout}; the future never fails. */
    public static Future<List<Finding>> run(HttpClient client, Collection<Provider> providers, Duration timeout) {
        List<Future<Finding>> probes = new ArrayList<>();
        for (Provider provider : providers) {
            probes.add(probe(client, provider, timeout));
        }
        return Future.join(probes).transform(done -> Future.succeededFuture(probes.stream().map(Future::result).toList()));
    }

    private static Future<Finding> probe(HttpClient client, Provider provider, Duration timeout) {
        UpstreamRequest probe;
        try {
            probe = provider.probe();
        } catch (RuntimeException e) {
            probe = null;
        }
        if (probe == null) {
            return Future.succeededFuture(new Finding(provider.name(), null, -1, null));
        }
        String url = probe.url();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
                .setHeaders(probe.headers()).setIdleTimeout(timeout.toMillis()).setConnectTimeout(timeout.toMillis());
        // The deadline covers the whole exchange; the body (a model list) is read and dropped.
        return client.request(options)
                .compose(request -> request.send().compose(response -> response.body().map(body -> response.statusCode())))
                .timeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .map(status -> new Finding(provider.name(), url, status, meaning(status)))
                .otherwise(failure -> new Finding(provider.name(), url, 0, "unreachable: "
                        + (failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage())));
    }

    private static String meaning(int status) {
        if (status >= 200 && status < 300) {
            return null;
        }
        return switch (status) {
            case 404 -> "404 Not Found: the base-url looks wrong (a missing or extra version path such as /v1?)";
            case 401, 403 -> status + ": the provider refused the API key";
            case 400 -> "400 Bad Request: the provider refused the probe (Gemini answers an invalid API key this way)";
            case 429 -> null; // reachable and authenticated, only busy
            default -> "unexpected status " + status;
        };
    }
}
