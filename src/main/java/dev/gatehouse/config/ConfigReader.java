package dev.gatehouse.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Turns a composed YAML tree into a {@link GatehouseConfig}, reporting every problem on the way. */
final class ConfigReader {

    private final Path source;
    private final Problems problems;
    private final Interpolator env;

    ConfigReader(Path source, Problems problems, Interpolator env) {
        this.source = source;
        this.problems = problems;
        this.env = env;
    }

    /** @return the config, or null when any error was reported */
    GatehouseConfig read(Node root) {
        if (root == null || Section.isNull(root)) {
            problems.error(1, "models", "no models configured (the file is empty)");
            return null;
        }
        if (!(root instanceof MappingNode m)) {
            problems.error(root, "", "the file must be a mapping with the sections server, providers, models, auth, storage");
            return null;
        }
        Section top = new Section(m, "", m, problems, env);
        ServerConfig server = server(top.section("server"));

        Section providersSection = top.section("providers");
        Set<String> providerNames = new LinkedHashSet<>();
        Map<String, ProviderConfig> providers = Map.of();
        if (providersSection != null) {
            providersSection.entries().forEach(e -> providerNames.add(e.key()));
            providers = new ProvidersReader(problems).read(providersSection);
        }

        Section modelsSection = top.section("models");
        Map<String, ModelConfig> models = Map.of();
        ModelsReader modelsReader = new ModelsReader(problems, providerNames);
        Set<String> modelNames = new LinkedHashSet<>();
        if (modelsSection == null || modelsSection.isEmpty()) {
            problems.error(top.keyNode("models"), "models", "no models configured");
        } else {
            modelsSection.entries().forEach(e -> modelNames.add(e.key()));
            models = modelsReader.read(modelsSection);
        }
        Section routingSection = top.section("routing");
        RoutingConfig routing = routing(routingSection);
        modelsReader.checkFallbacks(modelNames, routingSection == null || routing == null ? List.of()
                : List.of(new ModelsReader.FallbackRef(routingSection.node("fallbacks"), "routing.fallbacks", routing.fallbacks())));

        AuthConfig auth = auth(top.section("auth"));
        StorageConfig storage = storage(top.section("storage"));
        RedisConfig redis = redis(top.section("redis"));
        BudgetsConfig budgets = budgets(top.section("budgets"));
        SecretsConfig secrets = secrets(top.section("secrets"));
        ObservabilityConfig observability = observability(top.section("observability"));
        ZdrConfig zdr = zdr(top.section("zdr"));
        RequestLogConfig requestLog = requestLog(top.section("request-log"));
        OutboundConfig outbound = outbound(top.section("outbound"));
        GuardrailsConfig guardrails = new GuardrailsReader(problems, providerNames, modelNames).read(top.section("guardrails"));
        CacheConfig cache = new CacheReader(problems).read(top.section("cache"), redis, modelNames, models);
        ResponsesConfig responses = responses(top.section("responses"));
        McpConfig mcp = new McpReader(problems).read(top.section("mcp"));
        RagConfig rag = rag(top.section("rag"), models);
        top.finish();
        return problems.hasErrors() ? null
                : new GatehouseConfig(source, server, providers, models, auth, storage, routing, redis, budgets, secrets,
                        observability, zdr, requestLog, outbound, guardrails, cache, responses, mcp, rag);
    }

    private ServerConfig server(Section s) {
        ServerConfig d = ServerConfig.defaults();
        if (s == null) {
            return d;
        }
        String host = s.string("host");
        if (host != null && host.isBlank()) {
            problems.error(s.node("host"), s.child("host"), "must not be empty (use 0.0.0.0 to listen on every interface)");
        }
        Integer port = s.integer("port", 1, 65535);
        Long maxBody = s.size("max-body-size");
        Integer loops = s.integer("event-loops", 0, 1024);
        Duration requestTimeout = s.duration("request-timeout", true);
        Long maxUpload = s.size("max-upload-size");
        Duration drainTimeout = s.duration("drain-timeout", true);
        ServerConfig.Limits ld = ServerConfig.Limits.DEFAULTS;
        Integer inFlight = s.integer("max-in-flight", 1, 10_000_000);
        Integer connections = s.integer("max-connections", 1, 10_000_000);
        Integer headers = s.integer("max-headers", 8, 10_000);
        Long headerBytes = s.size("max-header-size");
        Long requestLine = s.size("max-request-line");
        if (headerBytes != null && (headerBytes < 1024 || headerBytes > 1 << 20)) {
            problems.error(s.node("max-header-size"), s.child("max-header-size"), "must be between 1KB and 1MB");
            headerBytes = null;
        }
        if (requestLine != null && (requestLine < 256 || requestLine > 1 << 20)) {
            problems.error(s.node("max-request-line"), s.child("max-request-line"), "must be between 256B and 1MB");
            requestLine = null;
        }
        ServerConfig.Tls tls = tls(s.section("tls"));
        s.finish();
        ServerConfig.Limits limits = new ServerConfig.Limits(inFlight == null ? ld.maxInFlight() : inFlight,
                connections == null ? ld.maxConnections() : connections, headers == null ? ld.maxHeaders() : headers,
                headerBytes == null ? ld.maxHeaderBytes() : headerBytes.intValue(),
                requestLine == null ? ld.maxRequestLine() : requestLine.intValue());
        return new ServerConfig(
                host == null || host.isBlank() ? d.host() : host.trim(),
                port == null ? d.port() : port,
                maxBody == null ? d.maxBodyBytes() : maxBody,
                loops == null ? d.eventLoops() : loops,
                requestTimeout == null ? d.requestTimeout() : requestTimeout, limits, tls,
                maxUpload == null ? d.maxUploadBytes() : maxUpload,
                drainTimeout == null ? d.drainTimeout() : drainTimeout);
    }

    private ServerConfig.Tls tls(Section t) {
        if (t == null) {
            return null;
        }
        String cert = t.string("cert");
        String key = t.string("key");
        Duration check = t.duration("reload-check", false);
        String adminClientCa = t.string("admin-client-ca");
        t.finish();
        boolean ok = true;
        if (adminClientCa != null && !java.nio.file.Files.isReadable(java.nio.file.Path.of(adminClientCa))) {
            problems.error(t.node("admin-client-ca"), t.child("admin-client-ca"), "cannot read '" + adminClientCa + "'");
            ok = false;
        }
        for (String[] file : new String[][] {{"cert", cert}, {"key", key}}) {
            if (file[1] == null || file[1].isBlank()) {
                problems.error(t.keyNode(file[0]), t.child(file[0]), "is required: the path of a PEM file");
                ok = false;
            } else if (!java.nio.file.Files.isReadable(java.nio.file.Path.of(file[1]))) {
                problems.error(t.node(file[0]), t.child(file[0]), "cannot read '" + file[1] + "'");
                ok = false;
            }
        }
        return ok ? new ServerConfig.Tls(cert, key, check == null ? ServerConfig.Tls.DEFAULT_RELOAD_CHECK : check, adminClientCa)
                : null;
    }

    private RoutingConfig routing(Section s) {
        RoutingConfig d = RoutingConfig.DEFAULTS;
        if (s == null) {
            return d;
        }
        List<String> fallbacks = s.strings("fallbacks");
        Duration deadline = s.duration("deadline", false);
        String recovery = s.string("stream-recovery");
        if (recovery != null && !List.of("continue", "fail").contains(recovery)) {
            problems.error(s.node("stream-recovery"), s.child("stream-recovery"),
                    "must be 'continue' or 'fail', got '" + recovery + "'");
        }
        RoutingConfig.Retries retries = d.retries();
        Section r = s.section("retries");
        if (r != null) {
            RoutingConfig.Retries rd = RoutingConfig.Retries.DEFAULTS;
            Integer maxAttempts = r.integer("max-attempts", 1, 20);
            Integer sameTarget = r.integer("same-target", 0, 10);
            Duration base = r.duration("base-delay", true);
            Duration max = r.duration("max-delay", true);
            Duration cap = r.duration("retry-after-cap", true);
            String prefer = r.string("prefer");
            if (prefer != null && !List.of(RoutingConfig.Retries.SAME_TARGET, RoutingConfig.Retries.NEXT_TARGET).contains(prefer)) {
                problems.error(r.node("prefer"), r.child("prefer"),
                        "must be 'same-target' or 'next-target', got '" + prefer + "'");
                prefer = null;
            }
            r.finish();
            retries = new RoutingConfig.Retries(maxAttempts == null ? rd.maxAttempts() : maxAttempts,
                    sameTarget == null ? rd.sameTarget() : sameTarget, base == null ? rd.baseDelay() : base,
                    max == null ? rd.maxDelay() : max, cap == null ? rd.retryAfterCap() : cap,
                    prefer == null ? rd.prefer() : prefer);
        }
        RoutingConfig.CircuitBreaker breaker = d.circuitBreaker();
        Section c = s.section("circuit-breaker");
        if (c != null) {
            RoutingConfig.CircuitBreaker cd = RoutingConfig.CircuitBreaker.DEFAULTS;
            Integer consecutive = c.integer("consecutive-failures", 1, 1000);
            Integer rate = c.integer("failure-rate", 1, 100);
            Integer window = c.integer("window", 2, 10_000);
            Duration cooldown = c.duration("cooldown", false);
            String whenAllOpen = c.string("when-all-open");
            if (whenAllOpen != null && !List.of("least-bad", "fail").contains(whenAllOpen)) {
                problems.error(c.node("when-all-open"), c.child("when-all-open"),
                        "must be 'least-bad' or 'fail', got '" + whenAllOpen + "'");
                whenAllOpen = null;
            }
            c.finish();
            breaker = new RoutingConfig.CircuitBreaker(consecutive == null ? cd.consecutiveFailures() : consecutive,
                    rate == null ? cd.failureRatePercent() : rate, window == null ? cd.window() : window,
                    cooldown == null ? cd.cooldown() : cooldown, whenAllOpen == null ? cd.whenAllOpen() : whenAllOpen);
        }
        RoutingConfig.AdaptiveFirstByte adaptive = d.adaptiveFirstByte();
        Section f = s.section("adaptive-first-byte");
        if (f != null) {
            RoutingConfig.AdaptiveFirstByte fd = RoutingConfig.AdaptiveFirstByte.DEFAULTS;
            Boolean enabled = f.bool("enabled");
            Integer percentile = f.integer("percentile", 50, 100);
            Integer multiple = f.integer("multiple", 1, 100);
            Duration floor = f.duration("floor", false);
            Integer minSamples = f.integer("min-samples", 1, RoutingConfig.AdaptiveFirstByte.WINDOW);
            f.finish();
            adaptive = new RoutingConfig.AdaptiveFirstByte(enabled == null ? fd.enabled() : enabled,
                    percentile == null ? fd.percentile() : percentile, multiple == null ? fd.multiple() : multiple,
                    floor == null ? fd.floor() : floor, minSamples == null ? fd.minSamples() : minSamples);
        }
        s.finish();
        return new RoutingConfig(fallbacks == null ? d.fallbacks() : fallbacks, retries, breaker,
                deadline == null ? d.deadline() : deadline, recovery == null ? d.streamRecovery() : recovery, adaptive);
    }

    private AuthConfig auth(Section s) {
        if (s == null) {
            return new AuthConfig(null);
        }
        // An unset ${GATEHOUSE_MASTER_KEY} yields "": treat it as "not configured", not as an empty key.
        String masterKey = ProvidersReader.emptyToNull(s.string("master-key"));
        OidcConfig oidc = oidc(s.section("oidc"));
        AuthConfig.FailedAttempts failed = AuthConfig.FailedAttempts.DEFAULTS;
        Section f = s.section("failed-attempts");
        if (f != null) {
            AuthConfig.FailedAttempts fd = AuthConfig.FailedAttempts.DEFAULTS;
            Boolean enabled = f.bool("enabled");
            Integer slowAfter = f.integer("slow-after", 1, 100_000);
            Integer refuseAfter = f.integer("refuse-after", 1, 100_000);
            Duration window = f.duration("window", false);
            Duration blockFor = f.duration("block-for", false);
            Duration maxDelay = f.duration("max-delay", true);
            f.finish();
            failed = new AuthConfig.FailedAttempts(enabled == null ? fd.enabled() : enabled,
                    slowAfter == null ? fd.slowAfter() : slowAfter, refuseAfter == null ? fd.refuseAfter() : refuseAfter,
                    window == null ? fd.window() : window, blockFor == null ? fd.blockFor() : blockFor,
                    maxDelay == null ? fd.maxDelay() : maxDelay);
            if (failed.refuseAfter() < failed.slowAfter()) {
                problems.error(f.keyNode("refuse-after"), f.child("refuse-after"), "must not be below slow-after ("
                        + failed.slowAfter() + ")");
            }
        }
        s.finish();
        return new AuthConfig(masterKey, oidc, failed);
    }

    private OidcConfig oidc(Section s) {
        if (s == null) {
            return null;
        }
        String issuer = s.requiredString("issuer", " (the iss your identity provider puts in tokens)");
        String audience = s.requiredString("audience", " (the aud tokens for Gatehouse carry)");
        String jwksUrl = s.requiredString("jwks-url", " (the identity provider's JSON Web Key Set URL)");
        if (jwksUrl != null && !jwksUrl.startsWith("https://") && !jwksUrl.startsWith("http://")) {
            problems.error(s.node("jwks-url"), s.child("jwks-url"), "must be an http(s) URL, got '" + jwksUrl + "'");
        }
        Duration refresh = s.duration("jwks-refresh", false);
        Duration minRefresh = s.duration("jwks-min-refresh", false);
        Section claims = s.section("claims");
        String user = null;
        String team = null;
        String roles = null;
        if (claims != null) {
            user = ProvidersReader.emptyToNull(claims.string("user"));
            team = ProvidersReader.emptyToNull(claims.string("team"));
            roles = ProvidersReader.emptyToNull(claims.string("roles"));
            claims.finish();
        }
        s.finish();
        return new OidcConfig(issuer, audience, jwksUrl, user == null ? "sub" : user, team == null ? "team" : team,
                roles == null ? "roles" : roles, refresh == null ? OidcConfig.DEFAULT_REFRESH : refresh,
                minRefresh == null ? OidcConfig.DEFAULT_MIN_REFRESH : minRefresh);
    }

    private SecretsConfig secrets(Section s) {
        if (s == null) {
            return SecretsConfig.DEFAULTS;
        }
        // An unset ${GATEHOUSE_ENCRYPTION_KEYS} yields "": the environment variable is then read directly.
        String keys = ProvidersReader.emptyToNull(s.string("encryption-keys"));
        Boolean callerKeys = s.bool("allow-caller-provider-keys");
        s.finish();
        return new SecretsConfig(keys, callerKeys != null && callerKeys);
    }

    private StorageConfig storage(Section s) {
        if (s == null) {
            return new StorageConfig(null, null, null);
        }
        String url = ProvidersReader.emptyToNull(s.string("url"));
        if (url != null && !url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
            problems.error(s.node("url"), s.child("url"),
                    "unsupported database URL '" + url + "' (use jdbc:sqlite:<file> or jdbc:postgresql://host:port/db)");
        }
        String username = ProvidersReader.emptyToNull(s.string("username"));
        String password = ProvidersReader.emptyToNull(s.string("password"));
        Boolean migrateAtStart = s.bool("migrate-at-start");
        s.finish();
        return new StorageConfig(url, username, password, migrateAtStart == null || migrateAtStart);
    }

    private RedisConfig redis(Section s) {
        if (s == null) {
            return RedisConfig.NONE;
        }
        String url = ProvidersReader.emptyToNull(s.string("url"));
        boolean sentinel = url != null && (url.startsWith("redis-sentinel://") || url.startsWith("rediss-sentinel://"));
        boolean cluster = url != null && (url.startsWith("redis-cluster://") || url.startsWith("rediss-cluster://"));
        if (url != null && !url.startsWith("redis://") && !url.startsWith("rediss://") && !sentinel && !cluster) {
            problems.error(s.node("url"), s.child("url"), "unsupported Redis URL '" + RedisConfig.masked(url)
                    + "' (use redis://host:port, rediss://... for TLS, redis-sentinel://sentinel1:26379,sentinel2:26379#master,"
                    + " or redis-cluster://node1:6379,node2:6379 for a Redis Cluster)");
        } else if (cluster && !url.substring(url.indexOf("://") + 3).replaceFirst("^[^@/]*@", "").matches("[^,#/?]+(,[^,#/?]+)*/?")) {
            problems.error(s.node("url"), s.child("url"), "a Redis Cluster URL lists one or more nodes as host:port, separated"
                    + " by commas (redis-cluster://[:password@]node1:6379,node2:6379), got '" + RedisConfig.masked(url) + "'");
        } else if (sentinel && (url.indexOf('#') < 0 || url.endsWith("#"))) {
            problems.error(s.node("url"), s.child("url"), "a Sentinel URL names the master after '#' (redis-sentinel://"
                    + "sentinel1:26379,sentinel2:26379#mymaster), got '" + RedisConfig.masked(url) + "'");
        }
        String prefix = s.string("key-prefix");
        if (prefix != null && !prefix.matches("[A-Za-z0-9_.:-]{1,64}")) {
            problems.error(s.node("key-prefix"), s.child("key-prefix"),
                    "must be 1 to 64 letters, digits or '_.:-' (got '" + prefix + "')");
        }
        Integer nodes = s.integer("expected-nodes", 1, 1000);
        RedisConfig.OutagePolicy limits = RedisConfig.OutagePolicy.FAIL_CLOSED;
        RedisConfig.OutagePolicy budgets = RedisConfig.OutagePolicy.FAIL_CLOSED;
        Section outage = s.section("on-outage");
        if (outage != null) {
            limits = outagePolicy(outage, "rate-limits");
            budgets = outagePolicy(outage, "budgets");
            outage.finish();
        }
        s.finish();
        return new RedisConfig(url, prefix, limits, budgets, nodes == null ? 1 : nodes);
    }

    private RedisConfig.OutagePolicy outagePolicy(Section s, String key) {
        String value = s.string(key);
        if (value == null) {
            return RedisConfig.OutagePolicy.FAIL_CLOSED;
        }
        RedisConfig.OutagePolicy policy = RedisConfig.OutagePolicy.parse(value);
        if (policy == null) {
            problems.error(s.node(key), s.child(key), "must be 'fail-closed' or 'local' (got '" + value + "')");
            return RedisConfig.OutagePolicy.FAIL_CLOSED;
        }
        return policy;
    }

    private BudgetsConfig budgets(Section s) {
        BudgetsConfig d = BudgetsConfig.DEFAULTS;
        if (s == null) {
            return d;
        }
        String webhook = ProvidersReader.emptyToNull(s.string("alert-webhook"));
        if (webhook != null && !webhook.startsWith("http://") && !webhook.startsWith("https://")) {
            problems.error(s.node("alert-webhook"), s.child("alert-webhook"), "must be an http:// or https:// URL");
        }
        List<Integer> thresholds = d.alertThresholds();
        SequenceNode seq = s.sequence("alert-thresholds");
        if (seq != null) {
            thresholds = new ArrayList<>();
            for (Node item : seq.getValue()) {
                String text = item instanceof ScalarNode sc ? sc.getValue().trim().replace("%", "") : "";
                try {
                    int pct = Integer.parseInt(text);
                    if (pct < 1 || pct > 1000) {
                        throw new NumberFormatException();
                    }
                    thresholds.add(pct);
                } catch (NumberFormatException e) {
                    problems.error(item, s.child("alert-thresholds"), "each threshold must be a percentage 1-1000, got '" + text + "'");
                }
            }
        }
        Integer maxOutput = s.integer("default-max-output-tokens", 1, Integer.MAX_VALUE);
        Duration timeout = s.duration("alert-timeout", false);
        Duration lease = s.duration("reservation-lease", false);
        s.finish();
        return new BudgetsConfig(webhook, thresholds,
                maxOutput == null ? d.defaultMaxOutputTokens() : maxOutput, timeout == null ? d.alertTimeout() : timeout,
                lease == null ? d.reservationLease() : lease);
    }

    private ObservabilityConfig observability(Section s) {
        ObservabilityConfig d = ObservabilityConfig.DEFAULTS;
        if (s == null) {
            return d;
        }
        boolean metrics = d.metricsEnabled();
        Section m = s.section("metrics");
        if (m != null) {
            Boolean enabled = m.bool("enabled");
            m.finish();
            metrics = enabled == null ? metrics : enabled;
        }
        boolean tracing = d.tracingEnabled();
        String endpoint = d.otlpEndpoint();
        String service = d.serviceName();
        Section t = s.section("tracing");
        if (t != null) {
            Boolean enabled = t.bool("enabled");
            String url = ProvidersReader.emptyToNull(t.string("otlp-endpoint"));
            if (url != null && !url.startsWith("http://") && !url.startsWith("https://")) {
                problems.error(t.node("otlp-endpoint"), t.child("otlp-endpoint"),
                        "must be an http:// or https:// URL (the collector's OTLP/HTTP endpoint, e.g. http://localhost:4318)");
            }
            String name = ProvidersReader.emptyToNull(t.string("service-name"));
            t.finish();
            tracing = enabled == null ? tracing : enabled;
            endpoint = url == null ? endpoint : url;
            service = name == null ? service : name;
        }
        String format = d.accessLogFormat();
        Section a = s.section("access-log");
        if (a != null) {
            String f = a.string("format");
            if (f != null && !List.of("text", "json").contains(f)) {
                problems.error(a.node("format"), a.child("format"), "must be 'text' or 'json', got '" + f + "'");
            } else if (f != null) {
                format = f;
            }
            a.finish();
        }
        s.finish();
        return new ObservabilityConfig(metrics, tracing, endpoint, service, format);
    }

    private OutboundConfig outbound(Section s) {
        if (s == null) {
            return OutboundConfig.DEFAULTS;
        }
        Boolean allowPrivate = s.bool("allow-private");
        List<String> allowHosts = s.strings("allow-hosts");
        s.finish();
        return new OutboundConfig(allowPrivate != null && allowPrivate, allowHosts);
    }

    private ZdrConfig zdr(Section s) {
        if (s == null) {
            return ZdrConfig.OFF;
        }
        Boolean enabled = s.bool("enabled");
        List<String> teams = s.strings("teams");
        List<String> keys = s.strings("keys");
        s.finish();
        return new ZdrConfig(enabled != null && enabled, teams == null ? Set.of() : new LinkedHashSet<>(teams),
                keys == null ? Set.of() : new LinkedHashSet<>(keys));
    }

    private RagConfig rag(Section s, Map<String, ModelConfig> models) {
        if (s == null) {
            return RagConfig.DEFAULTS;
        }
        RagConfig d = RagConfig.DEFAULTS;
        String model = s.string("embedding-model");
        if (model != null) {
            ModelConfig m = models.get(model);
            if (m == null || !"embedding".equals(m.type())) {
                problems.error(s.node("embedding-model"), s.child("embedding-model"),
                        "'" + model + "' is not a configured model of type embedding");
            }
        }
        String rewriteModel = s.string("rewrite-model");
        if (rewriteModel != null) {
            ModelConfig m = models.get(rewriteModel);
            if (m == null || !(m.type() == null || "chat".equals(m.type()))) {
                problems.error(s.node("rewrite-model"), s.child("rewrite-model"),
                        "'" + rewriteModel + "' is not a configured chat model");
            }
        }
        Duration rewriteTimeout = s.duration("rewrite-timeout", false);
        String rerank = s.string("rerank-model");
        if (rerank != null) {
            ModelConfig m = models.get(rerank);
            if (m == null || !"rerank".equals(m.type())) {
                problems.error(s.node("rerank-model"), s.child("rerank-model"), "'" + rerank + "' is not a configured model of type rerank");
            }
        }
        Long maxFile = s.size("max-file-size");
        Integer threads = s.integer("ingestion-threads", 1, 64);
        Integer maxChunks = s.integer("max-chunks-per-file", 1, 10_000_000);
        RagConfig.Ephemeral ephemeral = d.ephemeral();
        Section e = s.section("ephemeral");
        if (e != null) {
            Boolean enabled = e.bool("enabled");
            Long maxSize = e.size("max-size");
            e.finish();
            ephemeral = new RagConfig.Ephemeral(enabled != null && enabled, maxSize == null ? ephemeral.maxBytes() : maxSize);
        }
        s.finish();
        return new RagConfig(model, maxFile == null ? d.maxFileBytes() : maxFile, threads == null ? d.ingestionThreads() : threads,
                maxChunks == null ? d.maxChunksPerFile() : maxChunks, ephemeral, rewriteModel,
                rewriteTimeout == null ? d.rewriteTimeout() : rewriteTimeout, rerank);
    }

    private ResponsesConfig responses(Section s) {
        if (s == null) {
            return ResponsesConfig.DEFAULTS;
        }
        Duration retention = s.duration("retention", true);
        s.finish();
        return new ResponsesConfig(retention == null ? ResponsesConfig.DEFAULTS.retention() : retention);
    }

    private RequestLogConfig requestLog(Section s) {
        RequestLogConfig d = RequestLogConfig.DEFAULTS;
        if (s == null) {
            return d;
        }
        Integer capacity = s.integer("queue-capacity", 1, 10_000_000);
        Integer batch = s.integer("batch-size", 1, 10_000);
        Duration flush = s.duration("flush-interval", false);
        Duration replay = s.duration("replay-interval", false);
        Duration retention = s.duration("retention", true);
        Integer retentionBatch = s.integer("retention-batch", 1, 100_000);
        Set<String> bodyTeams = Set.of();
        Section bodies = s.section("bodies");
        if (bodies != null) {
            List<String> teams = bodies.strings("teams");
            if (teams != null) {
                for (int i = 0; i < teams.size(); i++) {
                    if (teams.get(i) == null || teams.get(i).isBlank()) {
                        problems.error(bodies.node("teams"), bodies.child("teams"), "team ids must not be empty");
                    }
                }
                bodyTeams = new LinkedHashSet<>(teams);
            }
            bodies.finish();
        }
        RequestLogConfig.RawRows rawRows = rawRows(s.section("raw-rows"), d.rawRows());
        s.finish();
        return new RequestLogConfig(capacity == null ? d.queueCapacity() : capacity, batch == null ? d.batchSize() : batch,
                flush == null ? d.flushInterval() : flush, replay == null ? d.replayInterval() : replay,
                retention == null ? d.retention() : retention, retentionBatch == null ? d.retentionBatch() : retentionBatch,
                bodyTeams, rawRows);
    }

    private RequestLogConfig.RawRows rawRows(Section s, RequestLogConfig.RawRows d) {
        if (s == null) {
            return d;
        }
        String keep = s.string("keep");
        if (keep != null && !keep.equals("all") && !keep.equals("sampled")) {
            problems.error(s.node("keep"), s.child("keep"), "must be 'all' or 'sampled', got '" + keep + "'");
        }
        Double sample = s.fraction("sample");
        Duration slow = s.duration("slow", true);
        s.finish();
        return new RequestLogConfig.RawRows(keep == null ? d.all() : keep.equals("all"), sample == null ? d.sample() : sample,
                slow == null ? d.slow() : slow);
    }
}
