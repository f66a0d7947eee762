package dev.gatehouse.dialect.responses;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.Usage;

/** A Responses API {@code usage} object to canonical usage (cached and reasoning tokens are subsets, as in the canonical model). */
public final class ResponsesUsage {
    private ResponsesUsage() {}

    /** Null when {@code usage} is missing or null. */
    public static Usage read(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        return new Usage(usage.path("input_tokens").asLong(0), usage.path("output_tokens").asLong(0),
                usage.path("input_tokens_details").path("cached_tokens").asLong(0), 0,
                usage.path("output_tokens_details").path("reasoning_tokens").asLong(0));
    }
}
