package dev.gatehouse.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A chat request in provider-neutral form. Nullable boxed fields mean "not set by the caller",
 * which matters: a translator must not invent a default the caller did not ask for.
 *
 * @param reasoningEffort "minimal" | "low" | "medium" | "high", or null
 * @param extra top-level fields of the caller's format this model does not name
 * @param reasoningBudget an explicit thinking budget in tokens (Anthropic {@code thinking.budget_tokens}),
 *     or null; when both are set, {@code reasoningEffort} is the budget's nearest effort level
 */
public record ChatRequest(
        String model,
        List<Message> messages,
        Double temperature,
        Double topP,
        Integer maxTokens,
        List<String> stop,
        Long seed,
        List<ToolDefinition> tools,
        ToolChoice toolChoice,
        Boolean parallelToolCalls,
        ResponseFormat responseFormat,
        String reasoningEffort,
        boolean stream,
        boolean includeUsage,
        String user,
        Map<String, JsonNode> extra,
        Integer reasoningBudget) {

    public ChatRequest {
        messages = messages == null ? List.of() : List.copyOf(messages);
        stop = stop == null ? List.of() : List.copyOf(stop);
        tools = tools == null ? List.of() : List.copyOf(tools);
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    /** A request without an explicit thinking budget (the shape every caller format but Anthropic's produces). */
    public ChatRequest(String model, List<Message> messages, Double temperature, Double topP, Integer maxTokens,
            List<String> stop, Long seed, List<ToolDefinition> tools, ToolChoice toolChoice, Boolean parallelToolCalls,
            ResponseFormat responseFormat, String reasoningEffort, boolean stream, boolean includeUsage, String user,
            Map<String, JsonNode> extra) {
        this(model, messages, temperature, topP, maxTokens, stop, seed, tools, toolChoice, parallelToolCalls,
                responseFormat, reasoningEffort, stream, includeUsage, user, extra, null);
    }

    /**
     * This request as sent to an upstream: another model name, and on streams usage always
     * requested, so the gateway can count tokens even when the caller did not ask for them.
     */
    public ChatRequest forUpstream(String upstreamModel) {
        return new ChatRequest(upstreamModel, messages, temperature, topP, maxTokens, stop, seed, tools, toolChoice,
                parallelToolCalls, responseFormat, reasoningEffort, stream, stream || includeUsage, user, extra, reasoningBudget);
    }

    /** This request with another conversation (e.g. an assistant prefill appended). */
    public ChatRequest withMessages(List<Message> newMessages) {
        return new ChatRequest(model, newMessages, temperature, topP, maxTokens, stop, seed, tools, toolChoice,
                parallelToolCalls, responseFormat, reasoningEffort, stream, includeUsage, user, extra, reasoningBudget);
    }
}
