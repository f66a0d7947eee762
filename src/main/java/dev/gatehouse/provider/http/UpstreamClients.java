package dev.gatehouse.provider.http;

import dev.gatehouse.config.ProviderConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

/**
 * The HTTP clients that reach providers: one shared by every provider, and one per distinct
 * {@code tls} setting (a private CA, a client certificate) so those settings never leak to
 * another provider's connections.
 */
public final class UpstreamClients {
    private UpstreamClients() {}

    /** The settings every upstream client shares: keep-alive, no Nagle, host names verified, a large pool. */
    static HttpClientOptions options() {
        return new HttpClientOptions()
                .setKeepAlive(true)
                .setKeepAliveTimeout(60)
                .setTcpNoDelay(true)
                .setVerifyHost(true)
                .setDecompressionSupported(true)
                .setMaxInitialLineLength(8192);
    }

    /** The shared client (providers without TLS settings of their own). */
    public static HttpClient shared(Vertx vertx) {
        return build(vertx, options());
    }

    /** A client trusting {@code tls.caPath} (when set) instead of the system's CAs, presenting the client certificate (when set). */
    public static HttpClient withTls(Vertx vertx, ProviderConfig.UpstreamTls tls) {
        HttpClientOptions options = options();
        if (tls.caPath() != null) {
            options.setTrustOptions(new PemTrustOptions().addCertPath(tls.caPath()));
        }
        if (tls.certPath() != null) {
            options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certPath()).setKeyPath(tls.keyPath()));
        }
        return build(vertx, options);
    }

    private static HttpClient build(Vertx vertx, HttpClientOptions options) {
        return vertx.httpClientBuilder().with(options).with(new PoolOptions().setHttp1MaxSize(16384).setMaxWaitQueueSize(-1)).build();
    }
}
