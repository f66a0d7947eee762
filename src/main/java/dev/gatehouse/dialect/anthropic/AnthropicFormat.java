package dev.gatehouse.dialect.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.Usage;
import java.util.Locale;

/**
 * Facts about Anthropic's Messages API shared by the upstream codec and the caller API: stop
 * reasons, usage, the thinking budget ⇄ reasoning effort mapping and the default output limit.
 */
public final class AnthropicFormat {
    /** The API version this adapter is written against (sent as {@code anthropic-version}). */
    public static final String API_VERSION = "2023-06-01";

    /**
     * Name of the tool the gateway adds to get JSON output from Anthropic, which has no
     * {@code response_format}: the model is forced to call it with the answer as its input, and
     * the call is turned back into text on the way back. Callers may not define a tool of this name.
     */
    public static final String JSON_TOOL = "gatehouse_json_output";

    /** Anthropic's smallest accepted {@code thinking.budget_tokens}. */
    public static final int MIN_THINKING_BUDGET = 1024;

    private AnthropicFormat() {}

    /**
     * {@code max_tokens} to send when the caller gave none (Anthropic requires it). Conservative
     * per family so it is valid for every model of that family: Claude 3 Haiku/Opus and 3 Sonnet
     * allow 4096 output tokens, 3.5 models 8192, Claude 3.7 / 4 and later 32000 or more.
     */
    public static int defaultMaxTokens(String model) {
        String m = model == null ? "" : model.toLowerCase(Locale.ROOT);
        if (m.contains("claude-3-5") || m.contains("claude-3.5")) {
            return 8192;
        }
        if (m.contains("claude-3-7") || m.contains("claude-3.7")) {
            return 32000;
        }
        if (m.startsWith("claude-3") || m.contains("claude-2") || m.contains("claude-instant")) {
            return 4096;
        }
        if (m.contains("claude")) { // claude-sonnet-4, claude-opus-4-1, claude-haiku-4-5, ...
            return 32000;
        }
        return 4096; // an unknown name behind an Anthropic-format upstream: the smallest common limit
    }

    /**
     * OpenAI {@code reasoning_effort} to a thinking budget: minimal 1024 (Anthropic's minimum),
     * low 2048, medium 8192, high 24576. Null for an unknown level.
     */
    public static Integer budgetFor(String effort) {
        if (effort == null) {
            return null;
        }
        return switch (effort) {
            case "minimal" -> 1024;
            case "low" -> 2048;
            case "medium" -> 8192;
            case "high" -> 24576;
            default -> null;
        };
    }

    /** A thinking budget to the nearest effort level (the inverse of {@link #budgetFor}). */
    public static String effortFor(int budget) {
        if (budget <= 1024) {
            return "minimal";
        }
        if (budget <= 4096) {
            return "low";
        }
        if (budget <= 16384) {
            return "medium";
        }
        return "high";
    }

    /** Anthropic {@code stop_reason} to canonical. Null stays null (not finished yet). */
    public static FinishReason finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
            case "tool_use" -> FinishReason.TOOL_CALLS;
            case "refusal" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.STOP; // end_turn, stop_sequence, pause_turn
        };
    }

    /** Canonical finish reason to Anthropic {@code stop_reason}. */
    public static String stopReason(FinishReason reason) {
        if (reason == null) {
            return null;
        }
        return switch (reason) {
            case STOP, ERROR -> "end_turn";
            case LENGTH -> "max_tokens";
            case TOOL_CALLS -> "tool_use";
            case CONTENT_FILTER -> "refusal";
        };
    }

    /**
     * An Anthropic usage object to canonical usage. Anthropic's {@code input_tokens} counts only
     * the uncached part of the prompt; canonical input is the whole prompt (as OpenAI counts it),
     * so cache reads and writes are added to it and also reported on their own.
     */
    public static Usage usage(JsonNode u) {
        long input = u.path("input_tokens").asLong(0);
        long cacheRead = u.path("cache_read_input_tokens").asLong(0);
        long cacheWrite = u.path("cache_creation_input_tokens").asLong(0);
        return new Usage(input + cacheRead + cacheWrite, u.path("output_tokens").asLong(0), cacheRead, cacheWrite, 0);
    }

    /** The uncached input tokens, as Anthropic's {@code input_tokens} reports them. */
    public static long uncachedInput(Usage usage) {
        return Math.max(0, usage.inputTokens() - usage.cachedInputTokens() - usage.cacheWriteTokens());
    }
}
