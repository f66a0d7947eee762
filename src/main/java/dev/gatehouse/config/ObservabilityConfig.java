package dev.gatehouse.config;

/**
 * The {@code observability} section: Prometheus metrics, OpenTelemetry tracing and the access log.
 *
 * @param metricsEnabled serve {@code /metrics} (default true)
 * @param tracingEnabled export spans over OTLP (default false)
 * @param otlpEndpoint the collector's OTLP/HTTP endpoint, e.g. {@code http://localhost:4318} ({@code /v1/traces} is appended)
 * @param serviceName {@code service.name} on every span (default gatehouse)
 * @param accessLogFormat {@code text} (default) or {@code json}: one line per call on the {@code gatehouse.access} logger
 */
public record ObservabilityConfig(boolean metricsEnabled, boolean tracingEnabled, String otlpEndpoint, String serviceName,
        String accessLogFormat) {
    public static final String DEFAULT_OTLP_ENDPOINT = "http://localhost:4318";
    public static final ObservabilityConfig DEFAULTS =
            new ObservabilityConfig(true, false, DEFAULT_OTLP_ENDPOINT, "gatehouse", "text");

    public boolean jsonAccessLog() {
        return "json".equals(accessLogFormat);
    }
}
