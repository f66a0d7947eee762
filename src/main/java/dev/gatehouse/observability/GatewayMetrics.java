package dev.gatehouse.observability;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.GuardrailVerdict;
import dev.gatehouse.call.CallListener;
import dev.gatehouse.call.Settlement;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.routing.Target;
import dev.gatehouse.routing.TargetStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Prometheus metrics, named after the OpenTelemetry GenAI semantic conventions where they exist
 * ({@code gen_ai.client.token.usage}, {@code gen_ai.client.operation.duration},
 * {@code gen_ai.server.time_to_first_token}) plus the gateway's own. Labels are bounded by the
 * configuration (models, providers, endpoints): never a key, user or request id.
 *
 * <p>Recording runs on the event loop once per call: each meter is looked up in a map keyed by
 * its labels (no registry walk, no string building) and Micrometer's meters are lock-free.
 */
public final class GatewayMetrics implements CallListener {
    // Bucket boundaries recommended by the GenAI semantic conventions.
    private static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
        4194304, 16777216, 67108864};
    private static final Duration[] DURATION_BUCKETS = seconds(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56,
            5.12, 10.24, 20.48, 40.96, 81.92);
    private static final Duration[] TTFT_BUCKETS = seconds(0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25,
            0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Supplier<Collection<Target>> targets;
    private final Function<Target, TargetStatus> status;

    private record ModelKey(String operation, String system, String requestModel, String responseModel) {}
    private record RequestKey(Endpoint endpoint, String statusClass) {}
    private record AttemptKey(String system, String outcome) {}

    /** A model's meters found with one lookup per call (the labels of all of them are the model key's). */
    private final Map<ModelKey, ModelMeters> models = new ConcurrentHashMap<>();
    private final Map<RequestKey, Counter> requests = new ConcurrentHashMap<>();
    private final Map<AttemptKey, Counter> attempts = new ConcurrentHashMap<>();
    private final Map<String, Counter> retries = new ConcurrentHashMap<>();
    private final Map<String, Counter> fallbacks = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejections = new ConcurrentHashMap<>();
    private final Map<CacheKey, Counter> cacheLookups = new ConcurrentHashMap<>();
    private final Map<CacheKey, Counter> cacheSaved = new ConcurrentHashMap<>();
    private record GuardrailKey(String guardrail, String stage, String outcome) {}
    private final Map<GuardrailKey, Counter> guardrailRuns = new ConcurrentHashMap<>();
    private final Map<GuardrailKey, Timer> guardrailLatency = new ConcurrentHashMap<>();
    /** Circuit state per target key, refreshed at each scrape; the gauges read it. */
    private final Map<String, TargetStatus.Circuit> circuits = new ConcurrentHashMap<>();
    private final Map<String, List<Meter>> circuitGauges = new ConcurrentHashMap<>();
    /** First-byte deadline (ms) per target key, learned or configured, refreshed at each scrape. */
    private final Map<String, Long> firstByteDeadlines = new ConcurrentHashMap<>();

    /**
     * @param targets every configured target (circuit-state gauges are kept for these)
     * @param status the health monitor's view of a target
     */
    public GatewayMetrics(Supplier<Collection<Target>> targets, Function<Target, TargetStatus> status) {
        this.targets = targets;
        this.status = status;
        // The process's own health beside the traffic's: heap and pools, threads, CPU, uptime.
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /**
     * Registers a gauge read at scrape time, e.g. the request-log queue depth:
     * {@code metrics.gauge("gatehouse.request_log.queue.depth", "records waiting to be written", queue::size)}.
     * The supplier runs on the scraping thread and must be cheap and thread-safe.
     */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).strongReference(true).register(registry);
    }

    /** The registry, for parts that want their own meters (request log writers, caches). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Per guardrail, stage and outcome: {@code gatehouse_guardrail_runs_total} (outcome passed,
     * blocked, masked, flagged or error: blocks, masks and errors are those outcomes' counts) and the
     * time each took, {@code gatehouse_guardrail_duration_seconds}. Guardrail names come from the config.
     */
    private void guardrails(Call call) {
        for (GuardrailVerdict v : call.guardrailVerdicts()) {
            GuardrailKey key = new GuardrailKey(v.guardrail(), v.stage(), v.outcome());
            guardrailRuns.computeIfAbsent(key, k -> Counter.builder("gatehouse.guardrail.runs")
                    .description("Guardrail runs by guardrail, stage (input, output) and outcome (passed, blocked, masked, flagged, error)")
                    .tag("guardrail", k.guardrail()).tag("stage", k.stage()).tag("outcome", k.outcome()).register(registry))
                    .increment();
            guardrailLatency.computeIfAbsent(key, k -> Timer.builder("gatehouse.guardrail.duration")
                    .description("Time a guardrail took on a call (for output guardrails, summed over the answer's checks)")
                    .tag("guardrail", k.guardrail()).tag("stage", k.stage()).tag("outcome", k.outcome()).register(registry))
                    .record(v.nanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void completed(Call call, Throwable failure) {
        int status = CallFacts.status(failure);
        requests.computeIfAbsent(new RequestKey(call.endpoint(), CallFacts.statusClass(status)),
                k -> Counter.builder("gatehouse.requests").description("Calls answered, by endpoint and status class")
                        .tag("endpoint", k.endpoint().name().toLowerCase(Locale.ROOT)).tag("status_class", k.statusClass())
                        .register(registry))
                .increment();
        String rejection = CallFacts.rejection(call, failure);
        if (rejection != null) {
            rejections.computeIfAbsent(rejection, r -> Counter.builder("gatehouse.rejections")
                    .description("Calls the gateway refused before any upstream attempt: budget, rate limit, zero data retention")
                    .tag("reason", r).register(registry)).increment();
        }
        if (call.cacheStatus() != null) {
            cacheLookup(call);
        }
        guardrails(call);
        List<Call.Attempt> tried = call.attempts();
        if (tried.isEmpty()) {
            return; // no model was reached: no GenAI metrics (and a caller's unknown model name never becomes a label)
        }
        for (Call.Attempt attempt : tried) {
            String outcome = attempt.errorClass() != null ? attempt.errorClass().toLowerCase(Locale.ROOT)
                    : CallFacts.statusClass(attempt.status());
            attempts.computeIfAbsent(new AttemptKey(attempt.provider(), outcome), k -> Counter.builder("gatehouse.upstream.attempts")
                    .description("Upstream attempts by provider and outcome (status class or error class)")
                    .tag("gen_ai_system", k.system()).tag("outcome", k.outcome()).register(registry)).increment();
        }
        String requestModel = call.model() == null ? "unknown" : call.model();
        int retried = CallFacts.retries(tried);
        if (retried > 0) {
            retries.computeIfAbsent(requestModel, m -> Counter.builder("gatehouse.retries")
                    .description("Further attempts on the same provider and upstream model").tag("gen_ai_request_model", m)
                    .register(registry)).increment(retried);
        }
        int fellBack = CallFacts.fallbacks(tried);
        if (fellBack > 0) {
            fallbacks.computeIfAbsent(requestModel, m -> Counter.builder("gatehouse.fallbacks")
                    .description("Attempts that moved on to another target (provider or model)").tag("gen_ai_request_model", m)
                    .register(registry)).increment(fellBack);
        }
        String operation = CallFacts.operation(call.endpoint());
        if (operation == null) {
            return;
        }
        Call.Attempt decisive = CallFacts.decisive(call);
        ModelMeters meters = models.computeIfAbsent(
                new ModelKey(operation, decisive.provider(), requestModel, decisive.upstreamModel()), ModelMeters::new);
        long now = call.endNanos() == 0 ? System.nanoTime() : call.endNanos(); // told later after a usage estimate
        String errorType = CallFacts.errorType(call, failure);
        meters.duration(errorType).record(now - call.startNanos(), TimeUnit.NANOSECONDS);
        if (call.stream() && call.firstByteNanos() > 0) {
            meters.ttft().record(call.firstByteNanos() - call.startNanos(), TimeUnit.NANOSECONDS);
        }
        Settlement settlement = call.settlement(); // the tokens and cost the budget and the request log count
        long micros = settlement == null ? 0 : settlement.costMicros();
        if (micros > 0) {
            meters.cost().increment(micros);
        }
        Usage usage = settlement == null ? null : settlement.usage();
        if (usage != null) {
            meters.tokens("input").record(usage.inputTokens());
            if (!"embeddings".equals(operation)) {
                meters.tokens("output").record(usage.outputTokens());
            }
        }
    }

    /**
     * The meters labelled with one model key, each registered on first use (a model that never
     * streams has no time-to-first-token series; a model without prices no cost series).
     */
    private final class ModelMeters {
        private final ModelKey key;
        private final Map<String, Timer> durations = new ConcurrentHashMap<>(4);
        private volatile Timer ok;
        private volatile Timer ttft;
        private volatile Counter cost;
        private volatile DistributionSummary input;
        private volatile DistributionSummary output;

        ModelMeters(ModelKey key) {
            this.key = key;
        }

        /** The duration of calls that ended with this error type, or without error when null. */
        Timer duration(String errorType) {
            if (errorType == null) {
                Timer t = ok;
                return t != null ? t : (ok = durations.computeIfAbsent("none", this::durationTimer));
            }
            return durations.computeIfAbsent(errorType, this::durationTimer);
        }

        private Timer durationTimer(String errorType) {
            return tagged(Timer.builder("gen_ai.client.operation.duration"), key)
                    .tag("error_type", errorType).description("GenAI operation duration as the caller saw it")
                    .serviceLevelObjectives(DURATION_BUCKETS).register(registry);
        }

        Timer ttft() {
            Timer t = ttft;
            // Registering twice from two threads is harmless: Micrometer hands back the one meter.
            return t != null ? t : (ttft = tagged(Timer.builder("gen_ai.server.time_to_first_token"), key)
                    .description("Time to the first streamed byte sent to the caller")
                    .serviceLevelObjectives(TTFT_BUCKETS).register(registry));
        }

        Counter cost() {
            Counter c = cost;
            // A double counter is exact for integers up to 2^53 micro-USD (9 billion USD).
            return c != null ? c : (cost = Counter.builder("gatehouse.cost.micros")
                    .description("Cost in micro-USD charged to the model that answered")
                    .tag("gen_ai_operation_name", key.operation()).tag("gen_ai_system", key.system())
                    .tag("gen_ai_request_model", key.requestModel()).tag("gen_ai_response_model", key.responseModel())
                    .register(registry));
        }

        DistributionSummary tokens(String type) {
            boolean in = type.equals("input");
            DistributionSummary d = in ? input : output;
            if (d == null) {
                d = DistributionSummary.builder("gen_ai.client.token.usage")
                        .description("Tokens used per call, by token type (input, output)")
                        .tag("gen_ai_token_type", type)
                        .tag("gen_ai_operation_name", key.operation())
                        .tag("gen_ai_system", key.system())
                        .tag("gen_ai_request_model", key.requestModel())
                        .tag("gen_ai_response_model", key.responseModel())
                        .serviceLevelObjectives(TOKEN_BUCKETS).register(registry);
                if (in) {
                    input = d;
                } else {
                    output = d;
                }
            }
            return d;
        }
    }

    private record CacheKey(String model, String team, String result) {}

    /** Cache lookups by model, team and result (hit, semantic_hit, miss), and the money hits saved. */
    private void cacheLookup(Call call) {
        String team = call.principal() == null || call.principal().teamId() == null ? "" : call.principal().teamId();
        CacheKey key = new CacheKey(call.model() == null ? "unknown" : call.model(), team, call.cacheStatus().toLowerCase(Locale.ROOT));
        cacheLookups.computeIfAbsent(key, k -> Counter.builder("gatehouse.cache.lookups")
                .description("Answer-cache lookups by public model, team and result (hit, semantic_hit, miss)")
                .tag("gen_ai_request_model", k.model()).tag("team", k.team()).tag("result", k.result()).register(registry))
                .increment();
        if (call.cacheSavedMicros() > 0) {
            cacheSaved.computeIfAbsent(key, k -> Counter.builder("gatehouse.cache.saved.micros")
                    .description("Micro-USD that cache hits saved: what the replayed answers cost when they were made")
                    .tag("gen_ai_request_model", k.model()).tag("team", k.team()).tag("result", k.result()).register(registry))
                    .increment(call.cacheSavedMicros());
        }
    }

    private static Timer.Builder tagged(Timer.Builder b, ModelKey k) {
        return b.tag("gen_ai_operation_name", k.operation()).tag("gen_ai_system", k.system())
                .tag("gen_ai_request_model", k.requestModel()).tag("gen_ai_response_model", k.responseModel());
    }

    /** The Prometheus text exposition of every meter; circuit gauges are brought up to date first. */
    public String scrape() {
        refreshCircuits();
        return registry.scrape();
    }

    private void refreshCircuits() {
        Set<String> seen = new HashSet<>();
        for (Target target : targets.get()) {
            String key = target.key();
            if (!seen.add(key)) {
                continue;
            }
            TargetStatus now = status.apply(target);
            circuits.put(key, now.circuit());
            firstByteDeadlines.put(key, now.firstByteDeadlineMillis() > 0 ? now.firstByteDeadlineMillis()
                    : target.timeouts().firstByte().toMillis());
            circuitGauges.computeIfAbsent(key, k -> {
                List<Meter> meters = new ArrayList<>(4);
                meters.add(Gauge.builder("gatehouse.target.first_byte.deadline",
                                () -> firstByteDeadlines.getOrDefault(k, 0L) / 1000.0)
                        .description("The first-byte deadline a call to each target gets now: learned from its recent calls, "
                                + "or the configured one")
                        .baseUnit("seconds").tag("target", k).register(registry));
                for (TargetStatus.Circuit state : TargetStatus.Circuit.values()) {
                    meters.add(Gauge.builder("gatehouse.circuit.state", () -> circuits.get(k) == state ? 1 : 0)
                            .description("1 for the state each target's circuit breaker is in, else 0")
                            .tag("target", k).tag("state", state.name().toLowerCase(Locale.ROOT)).register(registry));
                }
                return meters;
            });
        }
        // Targets removed by a config reload stop being reported.
        circuitGauges.keySet().removeIf(key -> {
            if (seen.contains(key)) {
                return false;
            }
            circuitGauges.get(key).forEach(registry::remove);
            circuits.remove(key);
            firstByteDeadlines.remove(key);
            return true;
        });
    }

    /** Mounts {@code GET /metrics}; the scrape runs off the event loop. */
    public void mount(Router router, Vertx vertx) {
        router.get("/metrics").handler(ctx -> vertx.executeBlocking(this::scrape, false).onComplete(done -> {
            if (done.failed()) {
                ctx.fail(done.cause());
                return;
            }
            ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(done.result());
        }));
    }

    private static Duration[] seconds(double... values) {
        Duration[] result = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = Duration.ofNanos((long) (values[i] * 1e9));
        }
        return result;
    }
}
