package dev.gatehouse.observability;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallListener;
import dev.gatehouse.call.CallTrace;
import dev.gatehouse.call.Settlement;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.config.ObservabilityConfig;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * OpenTelemetry spans: one SERVER span per call and one CLIENT span per upstream attempt, with
 * the GenAI semantic-convention attributes. Each attempt's span travels upstream as the W3C
 * {@code traceparent} header, and a caller's own {@code traceparent} becomes the call's parent.
 *
 * <p>Spans carry metadata only — models, providers, token counts, statuses, error classes —
 * never prompt or answer content and never an error message (a provider may echo the prompt in
 * one), so they are safe under zero data retention; ZDR calls are marked {@code gatehouse.zdr}.
 */
public final class Tracing implements CallListener, AutoCloseable {
    private static final TextMapGetter<MultiMap> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(MultiMap carrier) {
            return carrier.names();
        }

        @Override
        public String get(MultiMap carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("gen_ai.system");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    // System.nanoTime is what the call records; spans want epoch nanoseconds.
    private final long epochNanosAtAnchor = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
    private final long nanoTimeAnchor = System.nanoTime();

    /** @param batch batch spans off the request path (production) or export each at once (tests) */
    public Tracing(SpanExporter exporter, String serviceName, boolean batch) {
        SpanProcessor processor = batch ? BatchSpanProcessor.builder(exporter).build() : SimpleSpanProcessor.create(exporter);
        this.provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), serviceName))))
                .addSpanProcessor(processor)
                .build();
        this.tracer = provider.get("dev.gatehouse");
    }

    /**
     * Exports to the configured collector over OTLP/HTTP (protobuf), in batches. OTLP/HTTP rather
     * than gRPC: it needs only the JDK's HttpClient, and every collector accepts both.
     */
    public static Tracing otlp(ObservabilityConfig config) {
        return new Tracing(OtlpHttpSpanExporter.builder().setEndpoint(tracesUrl(config.otlpEndpoint())).build(),
                config.serviceName(), true);
    }

    /** {@code http://collector:4318} → {@code http://collector:4318/v1/traces}; a full URL is kept. */
    static String tracesUrl(String endpoint) {
        String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        return base.endsWith("/v1/traces") ? base : base + "/v1/traces";
    }

    /** Opens the call's span; called as the call enters the gateway. */
    public void start(Call call) {
        if (CallFacts.operation(call.endpoint()) == null) {
            return; // model lists and token counts reach no model and report no completion: no span
        }
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), call.headers(), HEADERS);
        Span span = tracer.spanBuilder("gatehouse " + call.endpoint().name().toLowerCase(Locale.ROOT))
                .setSpanKind(SpanKind.SERVER)
                .setParent(parent)
                .setStartTimestamp(epochNanos(call.startNanos()), TimeUnit.NANOSECONDS)
                .setAttribute("gatehouse.request_id", call.requestId())
                .startSpan();
        call.trace(new Trace(span, CallFacts.operation(call.endpoint())));
    }

    private long epochNanos(long nanoTime) {
        return epochNanosAtAnchor + (nanoTime - nanoTimeAnchor);
    }

    @Override
    public void completed(Call call, Throwable failure) {
        if (!(call.trace() instanceof Trace trace)) {
            return;
        }
        Span span = trace.span;
        String operation = CallFacts.operation(call.endpoint());
        int status = CallFacts.status(failure);
        if (operation != null && call.model() != null) {
            span.updateName(operation + " " + call.model());
            span.setAttribute(OPERATION, operation);
        }
        if (call.model() != null && !call.attempts().isEmpty()) {
            span.setAttribute(REQUEST_MODEL, call.model()); // only a routed model: an arbitrary caller string is not recorded
        }
        Call.Attempt decisive = CallFacts.decisive(call);
        if (decisive != null) {
            span.setAttribute(SYSTEM, decisive.provider());
            span.setAttribute(RESPONSE_MODEL, decisive.upstreamModel());
        }
        Settlement settlement = call.settlement(); // the tokens the budget and the request log count
        Usage usage = settlement == null ? null : settlement.usage();
        if (usage != null) {
            span.setAttribute(INPUT_TOKENS, usage.inputTokens());
            span.setAttribute(OUTPUT_TOKENS, usage.outputTokens());
        }
        span.setAttribute("gatehouse.endpoint", call.endpoint().name().toLowerCase(Locale.ROOT));
        span.setAttribute("gatehouse.stream", call.stream());
        span.setAttribute("gatehouse.attempts", call.attempts().size());
        span.setAttribute("gatehouse.zdr", call.zdr());
        if (!call.guardrailVerdicts().isEmpty()) {
            // name:stage=outcome[kinds]; the kinds of what was found, never the values
            StringBuilder verdicts = new StringBuilder();
            for (var v : call.guardrailVerdicts()) {
                verdicts.append(verdicts.isEmpty() ? "" : "; ").append(v.guardrail()).append(':').append(v.stage())
                        .append('=').append(v.outcome());
                if (!v.kinds().isEmpty()) {
                    verdicts.append('[').append(String.join(",", v.kinds())).append(']');
                }
            }
            span.setAttribute("gatehouse.guardrails", verdicts.toString());
        }
        span.setAttribute(HTTP_STATUS, status);
        if (call.principal() != null) {
            if (call.principal().teamId() != null) {
                span.setAttribute("gatehouse.team_id", call.principal().teamId());
            }
            if (call.principal().keyId() != null) {
                span.setAttribute("gatehouse.key_id", call.principal().keyId());
            }
        }
        if (call.firstByteNanos() > 0) {
            span.setAttribute("gatehouse.ttft_ms", (call.firstByteNanos() - call.startNanos()) / 1_000_000);
        }
        String errorType = CallFacts.errorType(call, failure);
        if (errorType != null) {
            span.setAttribute(ERROR_TYPE, errorType);
            span.setStatus(StatusCode.ERROR); // no description: an error message may echo content
        }
        long now = call.endNanos() == 0 ? System.nanoTime() : call.endNanos(); // told later after a usage estimate
        List<Call.Attempt> attempts = call.attempts();
        for (int i = 0; i < trace.attempts.size(); i++) {
            Span attemptSpan = trace.attempts.get(i);
            if (i < attempts.size()) {
                Call.Attempt a = attempts.get(i);
                attemptSpan.setAttribute(HTTP_STATUS, a.status());
                if (a.errorClass() != null) {
                    attemptSpan.setAttribute(ERROR_TYPE, a.errorClass().toLowerCase(Locale.ROOT));
                    attemptSpan.setStatus(StatusCode.ERROR);
                }
                attemptSpan.end(epochNanos(call.attemptEndNanos(i)), TimeUnit.NANOSECONDS);
            } else {
                attemptSpan.end(epochNanos(now), TimeUnit.NANOSECONDS);
            }
        }
        span.end(epochNanos(now), TimeUnit.NANOSECONDS);
    }

    /** One call's spans; confined to the call's event loop like the call itself. */
    private final class Trace implements CallTrace {
        final Span span;
        final String operation;
        final List<Span> attempts = new ArrayList<>(2);

        Trace(Span span, String operation) {
            this.span = span;
            this.operation = operation;
        }

        @Override
        public String attemptStarted(String system, String upstreamModel) {
            Span attempt = tracer.spanBuilder("upstream " + upstreamModel)
                    .setSpanKind(SpanKind.CLIENT)
                    .setParent(Context.root().with(span))
                    .setAttribute(SYSTEM, system)
                    .setAttribute(REQUEST_MODEL, upstreamModel)
                    .setAttribute(OPERATION, operation)
                    .startSpan();
            attempts.add(attempt);
            SpanContext context = attempt.getSpanContext();
            return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
        }
    }

    @Override
    public void close() {
        provider.shutdown().join(5, TimeUnit.SECONDS);
    }
}
