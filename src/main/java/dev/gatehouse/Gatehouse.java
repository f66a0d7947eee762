package dev.gatehouse;

import dev.gatehouse.access.Authenticator;
import dev.gatehouse.access.MasterKeyAuthenticator;
import dev.gatehouse.access.MasterKeyBootstrap;
import dev.gatehouse.api.openai.OpenAiApi;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.ConfigWatcher;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.config.ServerConfig;
import dev.gatehouse.gateway.AuthenticateStage;
import dev.gatehouse.gateway.Gateway;
import dev.gatehouse.gateway.Snapshot;
import dev.gatehouse.http.GatewayServer;
import dev.gatehouse.http.Health;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.ProviderFactory;
import dev.gatehouse.routing.Router;
import dev.gatehouse.routing.RoutingTable;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.SettingsStore;
import dev.gatehouse.usage.AccessLog;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: every part of the gateway is built and wired here, explicitly, in the
 * order it is needed. Reading this class top to bottom shows how a request finds its way.
 */
public final class Gatehouse implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gatehouse.class);

    /**
     * How to start.
     *
     * @param configFile null: {@code ./gatehouse.yaml} if it exists, else the built-in demo config
     * @param host null: from config
     * @param port null: from config (0 picks a free port)
     * @param dataDir where SQLite and other local files live
     */
    public record Options(Path configFile, String host, Integer port, Path dataDir, boolean resetMasterKey) {
        public static Options defaults() {
            return new Options(null, null, null, Path.of("data"), false);
        }
    }

    private final Vertx vertx;
    private final Database database;
    private final GatewayServer server;
    private final ConfigWatcher watcher;
    private final ScheduledExecutorService housekeeping;
    private final int port;
    private final String host;
    private final MasterKeyBootstrap.MasterKey masterKey;
    private final GatehouseConfig initialConfig;

    private Gatehouse(Vertx vertx, Database database, GatewayServer server, ConfigWatcher watcher,
            ScheduledExecutorService housekeeping, String host, int port, MasterKeyBootstrap.MasterKey masterKey,
            GatehouseConfig initialConfig) {
        this.vertx = vertx;
        this.database = database;
        this.server = server;
        this.watcher = watcher;
        this.housekeeping = housekeeping;
        this.host = host;
        this.port = port;
        this.masterKey = masterKey;
        this.initialConfig = initialConfig;
    }

    /** Starts the gateway and returns once it listens. Throws with a clear message when it cannot. */
    public static Gatehouse start(Options options) {
        Path configFile = options.configFile();
        if (configFile == null && Files.exists(Path.of("gatehouse.yaml"))) {
            configFile = Path.of("gatehouse.yaml");
        }
        GatehouseConfig config = configFile == null ? ConfigLoader.demo() : ConfigLoader.load(configFile);
        ServerConfig serverConfig = config.server();
        String host = options.host() != null ? options.host() : serverConfig.host();
        int port = options.port() != null ? options.port() : serverConfig.port();

        Database database = Database.open(config.storage().url(), config.storage().username(),
                config.storage().password(), options.dataDir());
        Vertx vertx = null;
        try {
            MasterKeyBootstrap.MasterKey masterKey = MasterKeyBootstrap.resolve(
                    config.auth().masterKey(), new SettingsStore(database), options.resetMasterKey());

            int eventLoops = serverConfig.eventLoops() > 0 ? serverConfig.eventLoops() : Runtime.getRuntime().availableProcessors();
            vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(eventLoops));
            HttpClient upstreamClient = upstreamClient(vertx);
            ProviderFactory providers = new ProviderFactory(vertx, upstreamClient);
            List<Authenticator> authenticators = List.of(new MasterKeyAuthenticator(masterKey.hash()));

            AtomicReference<Snapshot> snapshot = new AtomicReference<>(snapshot(config, providers, authenticators));
            Gateway gateway = new Gateway(vertx, snapshot::get,
                    List.of(new AuthenticateStage(() -> snapshot.get().authenticators())),
                    List.of(),
                    new Router());
            OpenAiApi openAi = new OpenAiApi(gateway, () -> snapshot.get().config().server().maxBodyBytes(), new AccessLog());

            AtomicBoolean storageUp = new AtomicBoolean(true);
            Health health = new Health(storageUp::get);
            GatewayServer server = new GatewayServer(vertx, router -> {
                health.mount(router);
                openAi.mount(router);
            });
            int boundPort = server.start(host, port, eventLoops).await();

            ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                    .daemon().name("gatehouse-housekeeping").factory());
            housekeeping.scheduleWithFixedDelay(() -> storageUp.set(ping(database)), 5, 5, TimeUnit.SECONDS);

            ConfigWatcher watcher = null;
            if (configFile != null) {
                watcher = new ConfigWatcher(configFile, config, next -> reload(next, snapshot, providers, authenticators)).start();
            }
            return new Gatehouse(vertx, database, server, watcher, housekeeping, host, boundPort, masterKey, config);
        } catch (RuntimeException e) {
            if (vertx != null) {
                vertx.close();
            }
            database.close();
            throw e;
        }
    }

    /**
     * Pooled keep-alive connections to every upstream; one client, a pool per upstream host.
     * HTTP/1.1 carries one stream per connection, so the pool size caps concurrent streams per
     * upstream host: 512 made the 5,000-open-streams benchmark fail 80% of calls with
     * "timeout ... when getting a connection".
     */
    private static HttpClient upstreamClient(Vertx vertx) {
        HttpClientOptions options = new HttpClientOptions()
                .setKeepAlive(true)
                .setKeepAliveTimeout(60)
                .setTcpNoDelay(true)
                .setVerifyHost(true)
                .setDecompressionSupported(true)
                .setMaxInitialLineLength(8192);
        return vertx.httpClientBuilder().with(options).with(new PoolOptions().setHttp1MaxSize(16384).setMaxWaitQueueSize(-1)).build();
    }

    private static Snapshot snapshot(GatehouseConfig config, ProviderFactory factory, List<Authenticator> authenticators) {
        Map<String, Provider> providers = new LinkedHashMap<>();
        for (ProviderConfig providerConfig : config.providers().values()) {
            providers.put(providerConfig.name(), factory.create(providerConfig));
        }
        return new Snapshot(config, Map.copyOf(providers), RoutingTable.build(config, providers), authenticators);
    }

    /** Swaps in a new config. In-flight requests finish on the snapshot they started with. */
    private static void reload(GatehouseConfig next, AtomicReference<Snapshot> current, ProviderFactory factory,
            List<Authenticator> authenticators) {
        try {
            Snapshot old = current.getAndSet(snapshot(next, factory, authenticators));
            LOG.info("configuration reloaded from {}: {} providers, {} models", next.source(), next.providers().size(), next.models().size());
            old.providers().values().forEach(Provider::close);
        } catch (RuntimeException e) {
            LOG.error("configuration in {} not applied, the previous one keeps running: {}", next.source(), e.getMessage());
        }
    }

    private static boolean ping(Database database) {
        try {
            return database.call(connection -> connection.isValid(2));
        } catch (RuntimeException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    public String host() {
        return host;
    }

    /** The master key in clear text if it was generated by this start, else null. */
    public String generatedMasterKey() {
        return masterKey.shownOnce();
    }

    public String masterKeyOrigin() {
        return masterKey.origin();
    }

    public GatehouseConfig initialConfig() {
        return initialConfig;
    }

    public String storageUrl() {
        return database.displayUrl();
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        housekeeping.shutdownNow();
        try {
            server.stop().await(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("server did not stop cleanly: {}", e.getMessage());
        }
        try {
            vertx.close().await(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("event loops did not stop cleanly: {}", e.getMessage());
        }
        database.close();
    }
}
