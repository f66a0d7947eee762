package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.Usage;

/** OpenAI finish reasons and usage objects to canonical ones; shared by both directions. */
public final class OpenAiFinishReasons {
    private OpenAiFinishReasons() {}

    /** Unknown reasons from OpenAI-compatible servers ("eos", "end_turn") count as a normal stop. */
    public static FinishReason parse(String text) {
        if (text == null) {
            return null;
        }
        return switch (text) {
            case "length" -> FinishReason.LENGTH;
            case "tool_calls", "function_call" -> FinishReason.TOOL_CALLS;
            case "content_filter" -> FinishReason.CONTENT_FILTER;
            case "error" -> FinishReason.ERROR;
            default -> FinishReason.STOP;
        };
    }

    /** An OpenAI usage object (details optional) as canonical usage. */
    public static Usage usage(JsonNode u) {
        return new Usage(
                u.path("prompt_tokens").asLong(0),
                u.path("completion_tokens").asLong(0),
                u.path("prompt_tokens_details").path("cached_tokens").asLong(0),
                0,
                u.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
    }
}
