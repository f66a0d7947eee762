package dev.gatehouse.http;

import dev.gatehouse.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a renewed certificate without a restart: every {@code reloadCheck} the certificate and
 * key files' modification times and sizes are read (off the event loop) and, when either
 * changed, every listening server takes the new pair for its next handshakes (open connections
 * keep theirs). A pair that does not load (a key written before its certificate, say) leaves the
 * old one in service and is tried again at the next check.
 */
final class CertificateReloader {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateReloader.class);

    private final Vertx vertx;
    private final ServerConfig.Tls tls;
    private final Supplier<List<HttpServer>> servers;
    private String served;
    private long timer = -1;

    CertificateReloader(Vertx vertx, ServerConfig.Tls tls, Supplier<List<HttpServer>> servers) {
        this.vertx = vertx;
        this.tls = tls;
        this.servers = servers;
        this.served = stamp(tls);
    }

    static PemKeyCertOptions keyCert(ServerConfig.Tls tls) {
        return new PemKeyCertOptions().setCertPath(tls.certPath()).setKeyPath(tls.keyPath());
    }

    void start() {
        timer = vertx.setPeriodic(tls.reloadCheck().toMillis(), id -> check());
    }

    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Checks the files now; the future tells whether a new pair went into service. */
    Future<Boolean> check() {
        return vertx.executeBlocking(() -> stamp(tls), false).compose(now -> {
            if (now == null || now.equals(served)) {
                return Future.succeededFuture(false);
            }
            ServerSSLOptions options = new ServerSSLOptions().setKeyCertOptions(keyCert(tls));
            if (tls.adminClientCaPath() != null) {
                options.setTrustOptions(new PemTrustOptions().addCertPath(tls.adminClientCaPath())).setClientAuth(ClientAuth.REQUEST);
            }
            List<Future<Boolean>> updates = servers.get().stream().map(s -> s.updateSSLOptions(options, true)).toList();
            return Future.all(updates).map(all -> {
                served = now;
                LOG.info("TLS certificate reloaded from {}", tls.certPath());
                return true;
            }).recover(failed -> {
                LOG.warn("TLS certificate in {} / {} could not be loaded, the previous one stays in service: {}",
                        tls.certPath(), tls.keyPath(), failed.getMessage());
                return Future.succeededFuture(false);
            });
        });
    }

    /** Modification times and sizes of both files, or null while one cannot be read. */
    private static String stamp(ServerConfig.Tls tls) {
        try {
            Path cert = Path.of(tls.certPath());
            Path key = Path.of(tls.keyPath());
            return Files.getLastModifiedTime(cert).toMillis() + ":" + Files.size(cert) + "/"
                    + Files.getLastModifiedTime(key).toMillis() + ":" + Files.size(key);
        } catch (IOException e) {
            return null;
        }
    }
}
