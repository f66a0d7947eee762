package dev.gatehouse.usage;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * One request-log record: metadata only, never prompt or answer content. Built on the event loop
 * from the finished call, written by {@link RequestLogWriter}; also the JSON Lines shape of the
 * spool file, so field names are part of the on-disk format.
 *
 * @param ts epoch millis when the request arrived
 * @param keyId dimensions are "" when absent (the rollup keys cannot hold NULL portably)
 * @param model the upstream model that answered ("" when none did)
 * @param fallbackPath every attempt as {@code provider/model:status}, joined by {@code >}
 * @param ttftMs time to the first byte sent to the caller, null when none was sent
 * @param cache what the answer cache did: HIT, SEMANTIC_HIT, MISS; null when it was not consulted
 * @param cacheSavedTokens a hit's tokens: what the replayed answer used when it was made (its own tokens are 0)
 * @param cacheSavedMicros a hit's saved cost: the replayed answer's cost when it was made (its own cost is 0)
 */
public record RequestRecord(
        String requestId, long ts, String endpoint, String keyId, String userId, String teamId,
        String requestedModel, String model, String provider, String route, String fallbackPath,
        int status, String errorClass,
        long inputTokens, long outputTokens, long cachedTokens, long cacheWriteTokens, long reasoningTokens,
        boolean usageEstimated, long costMicros, long latencyMs, Long ttftMs, boolean stream,
        String clientAddress, String userAgent, Map<String, String> tags, List<Attempt> attempts,
        @JsonInclude(JsonInclude.Include.NON_NULL)
        Bodies bodies,
        @JsonInclude(JsonInclude.Include.NON_NULL)
        String cache,
        long cacheSavedTokens,
        long cacheSavedMicros,
        @JsonInclude(JsonInclude.Include.NON_NULL)
        String guardrails) {

    public RequestRecord {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    /**
     * A record that did not use the answer cache and has no guardrail verdicts.
     *
     * @param bodies see {@link Bodies}, or null
     */
    public RequestRecord(
            String requestId, long ts, String endpoint, String keyId, String userId, String teamId,
            String requestedModel, String model, String provider, String route, String fallbackPath,
            int status, String errorClass,
            long inputTokens, long outputTokens, long cachedTokens, long cacheWriteTokens, long reasoningTokens,
            boolean usageEstimated, long costMicros, long latencyMs, Long ttftMs, boolean stream,
            String clientAddress, String userAgent, Map<String, String> tags, List<Attempt> attempts, Bodies bodies) {
        this(requestId, ts, endpoint, keyId, userId, teamId, requestedModel, model, provider, route, fallbackPath, status,
                errorClass, inputTokens, outputTokens, cachedTokens, cacheWriteTokens, reasoningTokens, usageEstimated,
                costMicros, latencyMs, ttftMs, stream, clientAddress, userAgent, tags, attempts, bodies, null, 0, 0, null);
    }

    /** A record without stored bodies (the usual case). */
    public RequestRecord(
            String requestId, long ts, String endpoint, String keyId, String userId, String teamId,
            String requestedModel, String model, String provider, String route, String fallbackPath,
            int status, String errorClass,
            long inputTokens, long outputTokens, long cachedTokens, long cacheWriteTokens, long reasoningTokens,
            boolean usageEstimated, long costMicros, long latencyMs, Long ttftMs, boolean stream,
            String clientAddress, String userAgent, Map<String, String> tags, List<Attempt> attempts) {
        this(requestId, ts, endpoint, keyId, userId, teamId, requestedModel, model, provider, route, fallbackPath, status,
                errorClass, inputTokens, outputTokens, cachedTokens, cacheWriteTokens, reasoningTokens, usageEstimated,
                costMicros, latencyMs, ttftMs, stream, clientAddress, userAgent, tags, attempts, (Bodies) null);
    }

    /**
     * Request and response bodies, kept only for teams listed under {@code request-log.bodies.teams}
     * and never for zero-data-retention calls; each capped, {@code truncated} when either was cut.
     */
    public record Bodies(String request, String response, boolean truncated) {}

    /** This record with {@code bodies} attached (null: none). */
    public RequestRecord withBodies(Bodies bodies) {
        return new RequestRecord(requestId, ts, endpoint, keyId, userId, teamId, requestedModel, model, provider, route,
                fallbackPath, status, errorClass, inputTokens, outputTokens, cachedTokens, cacheWriteTokens, reasoningTokens,
                usageEstimated, costMicros, latencyMs, ttftMs, stream, clientAddress, userAgent, tags, attempts, bodies,
                cache, cacheSavedTokens, cacheSavedMicros, guardrails);
    }

    /** This record with {@code attempts} in place of its own. */
    public RequestRecord withAttempts(List<Attempt> attempts) {
        return new RequestRecord(requestId, ts, endpoint, keyId, userId, teamId, requestedModel, model, provider, route,
                fallbackPath, status, errorClass, inputTokens, outputTokens, cachedTokens, cacheWriteTokens, reasoningTokens,
                usageEstimated, costMicros, latencyMs, ttftMs, stream, clientAddress, userAgent, tags, attempts, bodies,
                cache, cacheSavedTokens, cacheSavedMicros, guardrails);
    }

    /** One try at one target. */
    public record Attempt(String provider, String model, int status, String errorClass, long durationMs) {}

    public boolean failed() {
        return status >= 400;
    }
}
