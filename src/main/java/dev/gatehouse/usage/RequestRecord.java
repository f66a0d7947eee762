package dev.gatehouse.usage;

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
 */
public record RequestRecord(
        String requestId, long ts, String endpoint, String keyId, String userId, String teamId,
        String requestedModel, String model, String provider, String route, String fallbackPath,
        int status, String errorClass,
        long inputTokens, long outputTokens, long cachedTokens, long cacheWriteTokens, long reasoningTokens,
        boolean usageEstimated, long costMicros, long latencyMs, Long ttftMs, boolean stream,
        String clientAddress, String userAgent, Map<String, String> tags, List<Attempt> attempts) {

    public RequestRecord {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    /** One try at one target. */
    public record Attempt(String provider, String model, int status, String errorClass, long durationMs) {}

    public boolean failed() {
        return status >= 400;
    }
}
