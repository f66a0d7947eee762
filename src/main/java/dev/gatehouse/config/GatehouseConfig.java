package dev.gatehouse.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole validated configuration. Immutable: a reload builds a new one and swaps it in.
 *
 * @param source the file it was read from, or null for the built-in demo config
 * @param providers by name, in file order
 * @param models by the public name callers send, in file order
 * @param redis shared state for several nodes (rate limits, budgets); url null = single node, in memory
 * @param budgets budget alerting and reservation defaults
 * @param observability metrics, tracing and access log settings
 * @param zdr which calls are zero-data-retention traffic
 * @param requestLog the request log's queue, batching, spool replay and retention
 * @param outbound which addresses caller-supplied URLs may be fetched from
 * @param guardrails named guardrails and where they apply (none by default)
 * @param cache the exact and semantic answer cache (off unless configured)
 * @param responses how long stored Responses API responses are kept
 * @param mcp the upstream MCP servers behind {@code /mcp}
 * @param rag files, vector stores and file search
 */
public record GatehouseConfig(
        Path source,
        ServerConfig server,
        Map<String, ProviderConfig> providers,
        Map<String, ModelConfig> models,
        AuthConfig auth,
        StorageConfig storage,
        RoutingConfig routing,
        RedisConfig redis,
        BudgetsConfig budgets,
        SecretsConfig secrets,
        ObservabilityConfig observability,
        ZdrConfig zdr,
        RequestLogConfig requestLog,
        OutboundConfig outbound,
        GuardrailsConfig guardrails,
        CacheConfig cache,
        ResponsesConfig responses,
        McpConfig mcp,
        RagConfig rag) {

    /** The configuration with every later section at its default (tests and tools that build one in code). */
    public GatehouseConfig(Path source, ServerConfig server, Map<String, ProviderConfig> providers,
            Map<String, ModelConfig> models, AuthConfig auth, StorageConfig storage, RoutingConfig routing,
            RedisConfig redis, BudgetsConfig budgets, SecretsConfig secrets, ObservabilityConfig observability, ZdrConfig zdr,
            RequestLogConfig requestLog) {
        this(source, server, providers, models, auth, storage, routing, redis, budgets, secrets, observability, zdr, requestLog,
                null);
    }

    /** As above, with the outbound rules given; sections added later take their defaults (null). */
    public GatehouseConfig(Path source, ServerConfig server, Map<String, ProviderConfig> providers,
            Map<String, ModelConfig> models, AuthConfig auth, StorageConfig storage, RoutingConfig routing,
            RedisConfig redis, BudgetsConfig budgets, SecretsConfig secrets, ObservabilityConfig observability, ZdrConfig zdr,
            RequestLogConfig requestLog, OutboundConfig outbound) {
        this(source, server, providers, models, auth, storage, routing, redis, budgets, secrets, observability, zdr, requestLog,
                outbound, null, null, null, null, null);
    }

    public GatehouseConfig {
        routing = routing == null ? RoutingConfig.DEFAULTS : routing;
        redis = redis == null ? RedisConfig.NONE : redis;
        budgets = budgets == null ? BudgetsConfig.DEFAULTS : budgets;
        secrets = secrets == null ? SecretsConfig.DEFAULTS : secrets;
        observability = observability == null ? ObservabilityConfig.DEFAULTS : observability;
        zdr = zdr == null ? ZdrConfig.OFF : zdr;
        requestLog = requestLog == null ? RequestLogConfig.DEFAULTS : requestLog;
        outbound = outbound == null ? OutboundConfig.DEFAULTS : outbound;
        guardrails = guardrails == null ? GuardrailsConfig.NONE : guardrails;
        cache = cache == null ? CacheConfig.OFF : cache;
        responses = responses == null ? ResponsesConfig.DEFAULTS : responses;
        mcp = mcp == null ? McpConfig.NONE : mcp;
        rag = rag == null ? RagConfig.DEFAULTS : rag;
        // Map.copyOf would lose the file order, which routing and the admin UI show to users.
        providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
        models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
    }
}
