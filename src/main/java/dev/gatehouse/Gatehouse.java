package dev.gatehouse;

import dev.gatehouse.access.AuthenticateStage;
import dev.gatehouse.access.Authenticator;
import dev.gatehouse.access.FailedAuthentications;
import dev.gatehouse.access.JwksCache;
import dev.gatehouse.access.JwtAuthenticator;
import dev.gatehouse.access.MasterKeyAuthenticator;
import dev.gatehouse.access.MasterKeyBootstrap;
import dev.gatehouse.access.VirtualKeyAuthenticator;
import dev.gatehouse.admin.AdminApi;
import dev.gatehouse.admin.ConfigEndpoints;
import dev.gatehouse.admin.KeysEndpoints;
import dev.gatehouse.admin.MeEndpoints;
import dev.gatehouse.admin.ModelsEndpoints;
import dev.gatehouse.admin.PoliciesEndpoints;
import dev.gatehouse.admin.TeamsEndpoints;
import dev.gatehouse.admin.UsersEndpoints;
import dev.gatehouse.api.Ingress;
import dev.gatehouse.api.Loopback;
import dev.gatehouse.api.LoopbackModelClient;
import dev.gatehouse.api.anthropic.AnthropicApi;
import dev.gatehouse.api.mcp.McpApi;
import dev.gatehouse.api.mcp.MessagesToolLoop;
import dev.gatehouse.api.mcp.ResponsesToolLoop;
import dev.gatehouse.api.mcp.ToolLoop;
import dev.gatehouse.api.media.MediaApi;
import dev.gatehouse.api.openai.OpenAiApi;
import dev.gatehouse.api.rag.FileSearchTool;
import dev.gatehouse.api.rag.FilesApi;
import dev.gatehouse.api.rag.LoopbackEmbedder;
import dev.gatehouse.api.rag.LoopbackReranker;
import dev.gatehouse.api.rag.QueryRewriter;
import dev.gatehouse.api.rag.SearchReranking;
import dev.gatehouse.api.rag.StoreSearch;
import dev.gatehouse.api.rag.VectorStoresApi;
import dev.gatehouse.api.responses.ResponseStore;
import dev.gatehouse.api.responses.ResponsesApi;
import dev.gatehouse.audit.AuditEndpoints;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.budget.Enforcement;
import dev.gatehouse.limits.RedisOutage;
import io.micrometer.core.instrument.FunctionCounter;
import dev.gatehouse.cache.AnswerStore;
import dev.gatehouse.cache.MemoryAnswerStore;
import dev.gatehouse.cache.RedisAnswerStore;
import dev.gatehouse.cache.ResponseCache;
import dev.gatehouse.call.CallListener;
import dev.gatehouse.call.CallListeners;
import dev.gatehouse.call.Pipeline;
import dev.gatehouse.call.Stage;
import dev.gatehouse.config.CacheConfig;
import dev.gatehouse.console.Console;
import dev.gatehouse.guardrails.Guardrails;
import dev.gatehouse.guardrails.GuardrailsStage;
import dev.gatehouse.guardrails.RemoteChecks;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.ConfigWatcher;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.config.ServerConfig;
import dev.gatehouse.dialect.ProviderFactory;
import dev.gatehouse.gateway.Gateway;
import dev.gatehouse.gateway.InFlightLimit;
import dev.gatehouse.http.ConnectionLimit;
import dev.gatehouse.http.GatewayServer;
import dev.gatehouse.http.Health;
import dev.gatehouse.identity.Identity;
import dev.gatehouse.mcp.McpMetrics;
import dev.gatehouse.mcp.McpServers;
import dev.gatehouse.mcp.McpSessions;
import dev.gatehouse.mcp.ToolCalls;
import dev.gatehouse.mcp.Upstreams;
import dev.gatehouse.observability.GatewayMetrics;
import dev.gatehouse.observability.Tracing;
import dev.gatehouse.pricing.PricingSource;
import dev.gatehouse.pricing.Settler;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.rag.KnowledgeBase;
import dev.gatehouse.rag.KnowledgeBases;
import dev.gatehouse.provider.http.ConnectivityCheck;
import dev.gatehouse.provider.http.UpstreamClients;
import dev.gatehouse.routing.AuthorizeStage;
import dev.gatehouse.routing.Embeddings;
import dev.gatehouse.routing.Router;
import dev.gatehouse.routing.RoutingTable;
import dev.gatehouse.routing.SharedBreakers;
import dev.gatehouse.routing.SharedStats;
import dev.gatehouse.routing.Snapshot;
import dev.gatehouse.routing.Target;
import dev.gatehouse.routing.TargetMonitor;
import dev.gatehouse.secrets.ByokKeySelection;
import dev.gatehouse.secrets.CredentialEndpoints;
import dev.gatehouse.secrets.CredentialStore;
import dev.gatehouse.secrets.SecretCipher;
import dev.gatehouse.secrets.TeamCredentials;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.Fence;
import dev.gatehouse.store.LeaderLock;
import dev.gatehouse.store.SettingsStore;
import dev.gatehouse.store.SingleNodeLock;
import dev.gatehouse.usage.AccessLog;
import dev.gatehouse.usage.RequestLogging;
import dev.gatehouse.usage.UsageQuery;
import dev.gatehouse.web.AuditSink;
import dev.gatehouse.web.ConsoleSessions;
import dev.gatehouse.web.SubjectTeams;
import io.micrometer.core.instrument.FunctionCounter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;
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
     * @param extraAuthenticators asked after the built-in ones (embedding and tests)
     * @param spanExporter where spans go instead of OTLP (embedding and tests); null: as configured
     * @param migrateAtStart whether to apply pending migrations at start; null: {@code storage.migrate-at-start}
     */
    public record Options(Path configFile, String host, Integer port, Path dataDir, boolean resetMasterKey,
            List<Authenticator> extraAuthenticators, SpanExporter spanExporter, Boolean migrateAtStart) {
        public Options {
            extraAuthenticators = extraAuthenticators == null ? List.of() : List.copyOf(extraAuthenticators);
        }

        public Options(Path configFile, String host, Integer port, Path dataDir, boolean resetMasterKey,
                List<Authenticator> extraAuthenticators, SpanExporter spanExporter) {
            this(configFile, host, port, dataDir, resetMasterKey, extraAuthenticators, spanExporter, null);
        }

        public Options(Path configFile, String host, Integer port, Path dataDir, boolean resetMasterKey,
                List<Authenticator> extraAuthenticators) {
            this(configFile, host, port, dataDir, resetMasterKey, extraAuthenticators, null);
        }

        public Options(Path configFile, String host, Integer port, Path dataDir, boolean resetMasterKey) {
            this(configFile, host, port, dataDir, resetMasterKey, List.of());
        }

        public static Options defaults() {
            return new Options(null, null, null, Path.of("data"), false);
        }
    }

    private final Vertx vertx;
    private final Database database;
    /** {@code -Dgatehouse.startup-check=false}: no connectivity check at start (the test suite's fakes count every request). */
    public static final String STARTUP_CHECK_PROPERTY = "gatehouse.startup-check";
    private final GatewayServer server;
    private final ConfigWatcher watcher;
    private final ScheduledExecutorService housekeeping;
    private final int port;
    private final String host;
    private final MasterKeyBootstrap.MasterKey masterKey;
    private final GatehouseConfig initialConfig;
    /** Background parts (identity registry, JWKS fetcher) closed before the database. */
    private final List<AutoCloseable> closeFirst = new ArrayList<>();
    /**
     * Background work stopped when a drain begins (also in {@link #close()}): it sends the node
     * requests of its own (ingestion embeds through the gateway) that would keep the drain busy.
     */
    private final List<AutoCloseable> stopAtDrain = new ArrayList<>();
    /** Parts that flush what the last calls produced (span exporter), closed after the event loops. */
    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private Enforcement enforcement;
    private GatewayMetrics metrics;
    private RequestLogging requestLogging;
    private Settler settler;
    private SingleNodeLock nodeLock;
    private InFlightLimit inFlight;
    /** server.drain-timeout as configured now (it follows reloads). */
    private Supplier<Duration> drainTimeout = () -> Duration.ZERO;

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
        long t0 = System.nanoTime();
        Path configFile = options.configFile();
        if (configFile == null && Files.exists(Path.of("gatehouse.yaml"))) {
            configFile = Path.of("gatehouse.yaml");
        }
        GatehouseConfig config = configFile == null ? ConfigLoader.demo() : ConfigLoader.load(configFile);
        ServerConfig serverConfig = config.server();
        String host = options.host() != null ? options.host() : serverConfig.host();
        int port = options.port() != null ? options.port() : serverConfig.port();

        // Storage (JDBC driver, pool, migrations) and the event loops (Netty, native transport)
        // each take a few hundred milliseconds to warm up; doing both at once halves the start.
        long t1 = System.nanoTime();
        // SQLite serves one gateway: a second on the same file refuses to start (use PostgreSQL for several).
        SingleNodeLock nodeLock = SingleNodeLock.acquire(config.storage().url(), options.dataDir());
        CompletableFuture<Database> opening = CompletableFuture.supplyAsync(
                () -> Database.open(config.storage().url(), config.storage().username(), config.storage().password(), options.dataDir(),
                        options.migrateAtStart() != null ? options.migrateAtStart() : config.storage().migrateAtStart()),
                task -> Thread.ofPlatform().name("gatehouse-storage-open").start(task));
        int eventLoops = serverConfig.eventLoops() > 0 ? serverConfig.eventLoops() : Runtime.getRuntime().availableProcessors();
        // The request deadline follows reloads (read per connection) once the snapshot exists.
        AtomicReference<Supplier<Duration>> requestTimeout = new AtomicReference<>(serverConfig::requestTimeout);
        long maxHeap = Runtime.getRuntime().maxMemory();
        ConnectionLimit connections = new ConnectionLimit();
        connections.max(() -> serverConfig.limits().connections(maxHeap));
        Vertx vertx = Vertx.builder()
                .with(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(eventLoops))
                .withTransport(GatewayServer.transport(() -> requestTimeout.get().get(), connections))
                .build();
        Database database;
        try {
            database = opening.join();
        } catch (CompletionException e) {
            vertx.close();
            nodeLock.close();
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
        Enforcement enforcement = null;
        RequestLogging requestLogging = null;
        LeaderLock leaderLock = null;
        try {
            MasterKeyBootstrap.MasterKey masterKey = MasterKeyBootstrap.resolve(
                    config.auth().masterKey(), new SettingsStore(database), options.resetMasterKey());

            long t2 = System.nanoTime();
            HttpClient upstreamClient = upstreamClient(vertx);
            ProviderFactory providers = new ProviderFactory(vertx, upstreamClient, config.outbound());
            // Identity: keys, users, teams and policies in memory, polled for changes (CLI, other nodes).
            Identity identity = Identity.over(database);
            identity.registry().start();
            JwksCache jwks = config.auth().oidc() == null ? null : new JwksCache(URI.create(config.auth().oidc().jwksUrl()),
                    config.auth().oidc().jwksRefresh(), config.auth().oidc().jwksMinRefresh()).start(Duration.ofSeconds(5));
            List<Authenticator> chain = new ArrayList<>(List.of(new MasterKeyAuthenticator(masterKey.hash()),
                    new VirtualKeyAuthenticator(identity.registry())));
            if (jwks != null) {
                chain.add(new JwtAuthenticator(config.auth().oidc(), jwks, identity.registry()::directory));
            }
            chain.addAll(options.extraAuthenticators());
            List<Authenticator> authenticators = List.copyOf(chain);

            // BYOK: team provider keys, decrypted into memory; refuses to start if a needed key is missing.
            SecretCipher cipher = SecretCipher.parse(config.secrets().encryptionKeys() != null
                    ? config.secrets().encryptionKeys() : System.getenv(SecretCipher.ENV));
            CredentialStore credentialStore = new CredentialStore(database);
            TeamCredentials teamCredentials = new TeamCredentials(credentialStore, cipher);
            teamCredentials.loadOrFail();
            AuditLog audit = new AuditLog(database);

            AtomicReference<Snapshot> snapshot = new AtomicReference<>(snapshot(config, providers, authenticators));
            requestTimeout.set(() -> snapshot.get().config().server().requestTimeout());
            // Repeated failed authentications from one address are slowed, then refused for a while.
            FailedAuthentications failedAuthentications = new FailedAuthentications(
                    () -> snapshot.get().config().auth().failedAttempts(), System::currentTimeMillis);
            AuthenticateStage authenticate = new AuthenticateStage(() -> snapshot.get().authenticators(), failedAuthentications);
            enforcement = Enforcement.start(config, database, snapshot::get, System::currentTimeMillis);
            // Routing health (breakers, latency, load, usage per target) outlives config reloads.
            TargetMonitor targetHealth = new TargetMonitor(() -> snapshot.get().config().routing().circuitBreaker(),
                    () -> snapshot.get().config().routing().adaptiveFirstByte());
            // With several nodes, a breaker that opens on one opens on all (and closes on all).
            SharedBreakers sharedBreakers = enforcement.redisLink() == null ? null
                    : SharedBreakers.connect(enforcement.redisLink(), config.redis().keyPrefix() + "breakers", targetHealth);
            // ... and every node's latency, load and usage per target reach every other within a second or so.
            SharedStats sharedStats = enforcement.redisLink() == null ? null
                    : SharedStats.start(enforcement.redisLink(), config.redis().keyPrefix() + "stats:", targetHealth,
                            () -> targetKeys(snapshot.get()), SharedStats.PERIOD);
            PricingSource routingPrices = enforcement.pricing();
            Router targetRouter = new Router(targetHealth, () -> routingPrices.pricing(snapshot.get().config()),
                    () -> snapshot.get().config().routing(), null,
                    new ByokKeySelection(teamCredentials, () -> snapshot.get().config().secrets().allowCallerProviderKeys()));
            // Guardrails (in) run after the budget reservation; with none configured the stage returns at once.
            RemoteChecks remoteChecks = new RemoteChecks(vertx);
            Guardrails guardrails = new Guardrails(vertx, () -> snapshot.get().config(), remoteChecks);
            Gateway gateway = new Gateway(vertx, snapshot::get,
                    List.of(authenticate),
                    Stream.of(Stream.<Stage>of(new AuthorizeStage()), enforcement.stages().stream(),
                            Stream.<Stage>of(new GuardrailsStage(guardrails))).flatMap(s -> s).toList(),
                    targetRouter, targetHealth);
            // Answer cache: its store is chosen at start; whether it is on, TTLs and teams follow reloads.
            ResponseCache cache = responseCache(config, snapshot, targetHealth);
            gateway.cache(cache);
            // Overload protection: calls beyond the node's limit get a 503 before their body is read.
            connections.max(() -> snapshot.get().config().server().limits().connections(maxHeap));
            InFlightLimit inFlight = new InFlightLimit(() -> snapshot.get().config().server().limits().inFlight(maxHeap));
            gateway.inFlight(inFlight);
            // Observability: metrics and tracing are chosen at start; the access-log format follows reloads.
            AccessLog accessLog = new AccessLog(() -> snapshot.get().config().observability().jsonAccessLog());
            GatewayMetrics metrics = new GatewayMetrics(() -> targets(snapshot.get()), targetHealth::status);
            Tracing tracing = options.spanExporter() != null
                    ? new Tracing(options.spanExporter(), config.observability().serviceName(), false)
                    : config.observability().tracingEnabled() ? Tracing.otlp(config.observability()) : null;
            // Request log: one record per call, queued and written in batches off the request path.
            requestLogging = new RequestLogging(database, options.dataDir(),
                    RequestLogging.Settings.from(config.requestLog()), System::currentTimeMillis);
            // Retention and purges run on one node of a cluster (an advisory lock on PostgreSQL).
            LeaderLock leader = LeaderLock.start(database);
            leaderLock = leader;
            requestLogging.runRetentionWhen(leader::fence);
            metrics.gauge("gatehouse.leader", "1 on the node that runs the cluster's background work (retention, purges), else 0",
                    () -> leader.isLeader() ? 1 : 0);
            metrics.gauge("gatehouse.request_log.queue.depth", "Request-log records waiting to be written",
                    requestLogging.writer()::queueDepth);
            RedisOutage redisOutage = enforcement.redisOutage();
            if (redisOutage != null) {
                metrics.gauge("gatehouse.redis.fallback.active",
                        "1 while Redis is unreachable and limits or budgets with the 'local' outage policy are enforced by this node alone, else 0",
                        () -> redisOutage.active() ? 1 : 0);
                FunctionCounter.builder("gatehouse.redis.fallback.admitted", redisOutage, RedisOutage::limitsAdmittedLocally)
                        .description("Calls admitted on this node's local share while Redis was unreachable")
                        .tag("kind", "rate_limits").register(metrics.registry());
                FunctionCounter.builder("gatehouse.redis.fallback.admitted", redisOutage, RedisOutage::budgetsAdmittedLocally)
                        .description("Calls admitted on this node's local share while Redis was unreachable")
                        .tag("kind", "budgets").register(metrics.registry());
            }
            List<CallListener> listeners = new ArrayList<>(List.of(accessLog, requestLogging.writer()));
            if (config.observability().metricsEnabled()) {
                listeners.add(metrics);
            }
            if (tracing != null) {
                gateway.onCallStarted(tracing::start);
                listeners.add(tracing);
            }
            // One settlement per call (usage reported, else estimated off the event loop; its cost),
            // fixed before the budget, the rate limiter and every listener account for the call.
            Settler settler = new Settler(() -> routingPrices.pricing(snapshot.get().config()));
            CallListener callListener = settler.before(CallListeners.all(listeners));
            OpenAiApi openAi = new OpenAiApi(gateway, () -> snapshot.get().config().server().maxBodyBytes(), callListener)
                    .pricing(() -> routingPrices.pricing(snapshot.get().config()));
            AnthropicApi anthropic = new AnthropicApi(gateway, () -> snapshot.get().config().server().maxBodyBytes(), callListener);
            MediaApi media = new MediaApi(gateway, () -> snapshot.get().config().server().maxBodyBytes(),
                    () -> snapshot.get().config().server().maxUploadBytes(), callListener);
            ResponseStore responseStore = new ResponseStore(database);
            ResponsesApi responses = new ResponsesApi(gateway, () -> snapshot.get().config().server().maxBodyBytes(), callListener,
                    responseStore);
            // MCP: upstream servers (connected and supervised in the background), tool calls under the
            // callers' policies, limits and budgets, and /mcp for callers. Sessions are signed with a
            // key every node derives from the shared master key, so any node continues any session.
            McpServers mcpServers = new McpServers(config.mcp(), Upstreams.factory(snapshot::get, enforcement,
                    new UsageQuery(database), teamCredentials));
            ToolCalls toolCalls = new ToolCalls(mcpServers::state, new Pipeline(enforcement.stages()), callListener,
                    new McpMetrics(config.observability().metricsEnabled() ? metrics.registry() : null), guardrails);
            AtomicInteger listening = new AtomicInteger();
            openAi.toolLoop(new ToolLoop(toolCalls, upstreamClient, host, listening::get));
            responses.toolLoop(new ResponsesToolLoop(toolCalls, upstreamClient, host, listening::get));
            anthropic.toolLoop(new MessagesToolLoop(toolCalls, upstreamClient, host, listening::get));
            // Knowledge bases: files, vector stores and file search. Embeddings go through this gateway's own
            // /v1/embeddings as the caller (routing, budgets, request log); ingestion and search run off the event loop.
            Loopback loopback = new Loopback(upstreamClient, host, listening::get);
            // Injection classifier guardrails ask their model through this gateway, as the caller.
            remoteChecks.models(new LoopbackModelClient(loopback));
            KnowledgeBase knowledge = new KnowledgeBase(database, options.dataDir(), new LoopbackEmbedder(loopback), config.rag());
            // Zero-data-retention traffic: memory-only files and stores when enabled, else a 403 (read at start).
            KnowledgeBase ephemeralKnowledge = config.rag().ephemeral().enabled()
                    ? KnowledgeBase.ephemeral(new LoopbackEmbedder(loopback), config.rag(), config.rag().ephemeral().maxBytes()) : null;
            KnowledgeBases knowledgeBases = new KnowledgeBases(knowledge, ephemeralKnowledge);
            // Reranking by a configured model goes through this gateway's own /v1/rerank as the caller, too.
            StoreSearch storeSearch = new StoreSearch(knowledgeBases,
                    new SearchReranking(new LoopbackReranker(loopback), () -> snapshot.get().config()));
            Ingress ragIngress = new Ingress(gateway, () -> snapshot.get().config().server().maxBodyBytes(), callListener);
            FilesApi files = new FilesApi(ragIngress, knowledgeBases, () -> snapshot.get().config().rag().maxFileBytes());
            VectorStoresApi vectorStores = new VectorStoresApi(ragIngress, knowledgeBases, storeSearch,
                    () -> snapshot.get().config().rag().embeddingModel(snapshot.get().config()),
                    new QueryRewriter(loopback, () -> snapshot.get().config().rag()));
            FileSearchTool fileSearch = new FileSearchTool(storeSearch, loopback);
            openAi.fileSearch(fileSearch::chat);
            responses.fileSearch(fileSearch::responses);
            McpApi mcp = new McpApi(new Ingress(gateway, () -> snapshot.get().config().server().maxBodyBytes(), callListener),
                    toolCalls, new McpSessions(masterKey.hash()));

            // The console's sessions authenticate admin calls too (cookie + CSRF header), as their credential.
            ConsoleSessions consoleSessions = new ConsoleSessions();
            AdminApi admin = new AdminApi(authenticate, consoleSessions);
            // The configuration page: when the running config was loaded, and the watcher's last reload error.
            AtomicLong configLoadedAt = new AtomicLong(System.currentTimeMillis());
            AtomicReference<ConfigWatcher> watching = new AtomicReference<>();
            admin.add(new MeEndpoints())
                    .add(new ConfigEndpoints(() -> snapshot.get().config(), configLoadedAt::get,
                            () -> watching.get() == null ? null : watching.get().lastError()))
                    .add(new ModelsEndpoints(snapshot::get, targetHealth::status, () -> routingPrices.pricing(snapshot.get().config())))
                    .add(new TeamsEndpoints(identity, audit))
                    .add(UsersEndpoints.users(identity, audit))
                    .add(UsersEndpoints.serviceAccounts(identity, audit))
                    .add(new KeysEndpoints(identity, audit))
                    .add(new PoliciesEndpoints(identity, audit))
                    .add(new CredentialEndpoints(credentialStore, teamCredentials, audit,
                            name -> snapshot.get().providers().get(name),
                            name -> mcpServers.state().config().servers().values().stream().anyMatch(m -> name.equals(m.credential()))))
                    .add(new AuditEndpoints(audit))
                    .add(requestLogging.endpoints());
            // Budgets and limits on a key or user are managed by that key's or user's team-admin.
            SubjectTeams subjectTeams = (kind, id) -> switch (kind) {
                case "user" -> {
                    var user = identity.registry().directory().user(id);
                    yield user == null ? null : user.teamId();
                }
                case "key" -> identity.keys().get(id).map(key -> key.teamId()).orElse(null);
                default -> null;
            };
            enforcement.endpoints(audit, subjectTeams).forEach(admin::add);

            Console console = new Console(authenticate, consoleSessions);

            AtomicBoolean storageUp = new AtomicBoolean(true);
            Health health = new Health(storageUp::get, inFlight::draining);
            metrics.gauge("gatehouse.storage.up", "1 when the database answered at the last check (every 5 s), else 0",
                    () -> storageUp.get() ? 1 : 0);
            FunctionCounter.builder("gatehouse.auth.failures.slowed", failedAuthentications, FailedAuthentications::slowed)
                    .description("Failed authentications answered after a delay (repeated failures from one address)")
                    .register(metrics.registry());
            FunctionCounter.builder("gatehouse.auth.failures.refused", failedAuthentications, FailedAuthentications::refused)
                    .description("Failed authentications refused with 429 while their address was blocked")
                    .register(metrics.registry());
            metrics.gauge("gatehouse.calls.in_flight", "API calls being served by this node", inFlight::inFlight);
            metrics.gauge("gatehouse.draining", "1 while this node is stopping (not ready, finishing its calls in flight), else 0",
                    () -> inFlight.draining() ? 1 : 0);
            FunctionCounter.builder("gatehouse.overload.refused", inFlight, InFlightLimit::refused)
                    .description("Calls refused with 503 because server.max-in-flight calls were being served")
                    .register(metrics.registry());
            GatewayServer server = new GatewayServer(vertx, router -> {
                health.mount(router);
                if (config.observability().metricsEnabled()) {
                    metrics.mount(router, vertx);
                }
                openAi.mount(router);
                anthropic.mount(router);
                media.mount(router);
                responses.mount(router);
                files.mount(router);
                vectorStores.mount(router);
                mcp.mount(router);
                admin.mount(router);
                console.mount(router);
            }, () -> snapshot.get().config().server().limits()).tls(serverConfig.tls()).draining(inFlight::draining);
            metrics.gauge("gatehouse.connections.open", "Open client connections", connections::open);
            FunctionCounter.builder("gatehouse.connections.refused", connections, ConnectionLimit::refused)
                    .description("Connections closed at once because server.max-connections were open")
                    .register(metrics.registry());
            int boundPort = server.start(host, port, eventLoops).await();
            listening.set(boundPort); // the MCP tool loop sends its rounds here
            if (Boolean.parseBoolean(System.getProperty(STARTUP_CHECK_PROPERTY, "true"))) {
                // In the background: a slow or absent provider must not hold the start.
                ConnectivityCheck.run(upstreamClient, snapshot.get().providers().values(), Duration.ofSeconds(10))
                        .onSuccess(findings -> findings.stream().filter(f -> !f.ok()).forEach(f -> LOG.warn(
                                "provider '{}' may be misconfigured: {} (GET {}); check with ./gatehouse check",
                                f.provider(), f.problem(), f.url())));
            }
            long t3 = System.nanoTime();
            LOG.debug("started: config {} ms, storage and event loops {} ms, server {} ms",
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);

            ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                    .daemon().name("gatehouse-housekeeping").factory());
            housekeeping.scheduleWithFixedDelay(() -> storageUp.set(ping(database)), 5, 5, TimeUnit.SECONDS);
            Enforcement refreshed = enforcement;
            housekeeping.scheduleWithFixedDelay(() -> refreshQuietly(refreshed), 5, 5, TimeUnit.SECONDS);
            // Credentials changed on other nodes arrive within this period (this node's own at once).
            housekeeping.scheduleWithFixedDelay(teamCredentials::refreshQuietly, 5, 5, TimeUnit.SECONDS);
            // Stored responses past their retention are deleted here, off the event loop.
            housekeeping.scheduleWithFixedDelay(() -> {
                Fence fence = leader.fence();
                if (fence != null) {
                    responseStore.purgeQuietly(snapshot.get().config().responses().retention(), fence);
                }
            }, 1, 60, TimeUnit.MINUTES);

            // Vector stores past their expires_after are deleted here, with their chunks.
            housekeeping.scheduleWithFixedDelay(knowledge::purgeExpiredQuietly, 1, 10, TimeUnit.MINUTES);
            if (ephemeralKnowledge != null) {
                housekeeping.scheduleWithFixedDelay(ephemeralKnowledge::purgeExpiredQuietly, 1, 10, TimeUnit.MINUTES);
            }
            // Server mode: ingestion leases renewed, a dead node's files failed; old index changes forgotten by the leader.
            housekeeping.scheduleWithFixedDelay(knowledge::keepLeasesQuietly, 5, 10, TimeUnit.SECONDS);
            housekeeping.scheduleWithFixedDelay(() -> {
                if (leader.isLeader()) {
                    knowledge.pruneChangesQuietly();
                }
            }, 1, 60, TimeUnit.MINUTES);

            ConfigWatcher watcher = null;
            if (configFile != null) {
                watcher = new ConfigWatcher(configFile, config, next -> {
                    reload(next, snapshot, providers, authenticators);
                    if (snapshot.get().config() == next) {
                        configLoadedAt.set(System.currentTimeMillis());
                    }
                    mcpServers.apply(next.mcp());
                    targetHealth.retain(targetKeys(snapshot.get()));
                }).start();
                watching.set(watcher);
            }
            Gatehouse gatehouse = new Gatehouse(vertx, database, server, watcher, housekeeping, host, boundPort, masterKey, config);
            gatehouse.nodeLock = nodeLock;
            gatehouse.inFlight = inFlight;
            gatehouse.drainTimeout = () -> snapshot.get().config().server().drainTimeout();
            gatehouse.closeFirst.add(leader);
            if (sharedBreakers != null) {
                gatehouse.closeFirst.add(sharedBreakers);
            }
            if (sharedStats != null) {
                gatehouse.closeFirst.add(sharedStats);
            }
            gatehouse.closeFirst.add(identity.registry());
            gatehouse.closeLast.add(cache);
            gatehouse.closeFirst.add(knowledge::stopIngestion); // files in progress end failed, with the reason
            gatehouse.stopAtDrain.add(knowledge::stopIngestion);
            gatehouse.closeLast.add(knowledge); // after the server: no request is using the index any more
            if (ephemeralKnowledge != null) {
                gatehouse.closeFirst.add(ephemeralKnowledge::stopIngestion);
                gatehouse.stopAtDrain.add(ephemeralKnowledge::stopIngestion);
                gatehouse.closeLast.add(ephemeralKnowledge); // its memory is dropped: nothing of it outlives the process
            }
            gatehouse.closeFirst.add(mcpServers); // stops stdio servers' processes
            gatehouse.closeFirst.add(toolCalls::close);
            gatehouse.closeFirst.add(mcp::close);
            if (jwks != null) {
                gatehouse.closeFirst.add(jwks);
            }
            gatehouse.enforcement = enforcement;
            gatehouse.metrics = metrics;
            if (tracing != null) {
                gatehouse.closeLast.add(tracing); // after the server: the last calls' spans are exported
            }
            gatehouse.requestLogging = requestLogging;
            gatehouse.settler = settler;
            return gatehouse;
        } catch (RuntimeException e) {
            vertx.close();
            if (requestLogging != null) {
                requestLogging.close();
            }
            if (enforcement != null) {
                enforcement.close();
            }
            if (leaderLock != null) {
                leaderLock.close();
            }
            database.close();
            nodeLock.close();
            throw e;
        }
    }

    /**
     * The answer cache over this node's memory, or over Redis (shared by every node) when
     * {@code cache.store} says so, or when it is unset, the cache is on and {@code redis.url} is set.
     */
    private static ResponseCache responseCache(GatehouseConfig config, AtomicReference<Snapshot> snapshot, TargetMonitor health) {
        CacheConfig c = config.cache();
        boolean redis = config.redis().enabled()
                && ("redis".equals(c.store()) || (c.store() == null && c.enabled()));
        AnswerStore store = redis ? new RedisAnswerStore(config.redis().url()) : new MemoryAnswerStore(c.maxSizeBytes());
        if (c.enabled()) {
            LOG.info("answer cache on, answers kept {}", redis ? "in Redis (shared by every node)" : "in this node's memory");
        }
        Embeddings embeddings = new Embeddings(snapshot::get, health);
        return new ResponseCache(() -> snapshot.get().config().cache(), store, embeddings::embed, System::currentTimeMillis);
    }

    /** Every target of a snapshot (for per-target metrics). */
    private static List<Target> targets(Snapshot snapshot) {
        List<Target> targets = new ArrayList<>();
        snapshot.routes().routes().forEach(route -> targets.addAll(route.targets()));
        return targets;
    }

    /**
     * The gateway's metrics: parts built outside this class register their own gauges here
     * (e.g. the request-log queue depth), even when {@code /metrics} is disabled.
     */
    public GatewayMetrics metrics() {
        return metrics;
    }

    /** Every target key of a snapshot: health is kept for these and forgotten for targets no longer configured. */
    private static Set<String> targetKeys(Snapshot snapshot) {
        Set<String> keys = new HashSet<>();
        snapshot.routes().routes().forEach(route -> route.targets().forEach(t -> keys.add(t.key())));
        return keys;
    }

    /**
     * Pooled keep-alive connections to every upstream; one client, a pool per upstream host.
     * HTTP/1.1 carries one stream per connection, so the pool size caps concurrent streams per
     * upstream host: 512 made the 5,000-open-streams benchmark fail 80% of calls with
     * "timeout ... when getting a connection".
     */
    static HttpClient upstreamClient(Vertx vertx) {
        return UpstreamClients.shared(vertx);
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

    private static void refreshQuietly(Enforcement enforcement) {
        try {
            enforcement.refresh();
        } catch (RuntimeException e) {
            LOG.debug("budgets and rate limits not refreshed (storage unavailable?): {}", e.getMessage());
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

    /**
     * Stops gracefully (SIGTERM): {@link #drain()}, then {@link #close()}, which settles the last
     * calls, writes the last spend and drains the request log.
     */
    public void drainAndClose() {
        try {
            drain();
        } finally {
            close();
        }
    }

    /**
     * The first half of a graceful stop: from now on {@code /health/ready} answers 503 (draining)
     * while {@code /health/live} stays 200, new API calls get 503 with Retry-After in the caller's
     * format, and every answer ends its connection (so a caller's next request opens a connection
     * the load balancer sends elsewhere). Returns when the calls in flight (streams included) have
     * ended, or at {@code server.drain-timeout}, whichever comes first.
     */
    public void drain() {
        if (inFlight == null || inFlight.draining()) {
            return;
        }
        Duration timeout = drainTimeout.get();
        inFlight.drain();
        closeQuietly(stopAtDrain);
        long started = System.nanoTime();
        LOG.info("draining: not ready, new calls refused; waiting up to {} for {} call(s) in flight and {} other request(s)",
                timeout, inFlight.inFlight(), Math.max(0, server.openRequests().open() - inFlight.inFlight()));
        try {
            // API calls first (streams last longest), then whatever else is still being answered:
            // /mcp tool calls, admin changes, console requests that arrived before the drain.
            boolean idle = inFlight.awaitIdle(timeout)
                    && server.openRequests().awaitIdle(timeout.minusNanos(System.nanoTime() - started));
            if (idle) {
                LOG.info("drained in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            } else {
                LOG.warn("drain deadline ({}, server.drain-timeout) passed with {} call(s) and {} request(s) still open: they are cut",
                        timeout, inFlight.inFlight(), server.openRequests().open());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("drain interrupted with {} call(s) in flight", inFlight.inFlight());
        }
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        housekeeping.shutdownNow();
        closeQuietly(closeFirst);
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
        if (settler != null) {
            settler.close(); // the last usage estimates settle budgets and reach the request log
        }
        if (enforcement != null) {
            enforcement.close(); // writes the last spend batch
        }
        if (requestLogging != null) {
            requestLogging.close(); // drains the request-log queue (or spools it)
        }
        closeQuietly(closeLast);
        database.close();
        if (nodeLock != null) {
            nodeLock.close();
        }
    }

    private static void closeQuietly(List<AutoCloseable> parts) {
        for (AutoCloseable part : parts) {
            try {
                part.close();
            } catch (Exception e) {
                LOG.warn("{} did not stop cleanly: {}", part, e.getMessage());
            }
        }
    }

    /** The request log (writer gauges for metrics, store and retention for tests and operators). */
    public RequestLogging requestLogging() {
        return requestLogging;
    }
}
