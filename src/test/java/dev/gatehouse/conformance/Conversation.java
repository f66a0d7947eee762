package dev.gatehouse.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

/**
 * The matrix's caller-neutral vocabulary: what a cell asks ({@link Spec}), what the user got back
 * ({@link Result}) or the error they saw ({@link CallerError}). Each caller SDK translates a
 * {@code Spec} into its own builder calls and its answer back into a {@code Result}, so one
 * scenario is written once and asserted the same way for every caller × upstream × mode.
 */
final class Conversation {
    static final ObjectMapper JSON = new ObjectMapper();

    private Conversation() {
    }

    /** One message of the conversation. */
    sealed interface Msg permits UserText, AssistantText, AssistantCalls, ToolResult {}

    /** A user turn: text, plus images given as data: or http(s) URLs. */
    record UserText(String text, List<String> imageUrls) implements Msg {
        UserText(String text) {
            this(text, List.of());
        }
    }

    record AssistantText(String text) implements Msg {}

    /** An assistant turn that called tools (sent back exactly as the caller received it). */
    record AssistantCalls(List<Call> calls) implements Msg {}

    record ToolResult(String callId, String content) implements Msg {}

    /**
     * @param tools      declare the {@link #WEATHER_TOOL} tool
     * @param jsonSchema ask for structured output following {@link #WEATHER_SCHEMA}
     * @param maxTokens  null = the caller's default (the Anthropic SDK always sends one)
     */
    record Spec(String model, String system, List<Msg> messages, boolean tools, boolean jsonSchema, List<String> stop,
                Integer maxTokens) {
        Spec(String model, List<Msg> messages) {
            this(model, null, messages, false, false, List.of(), null);
        }

        Spec withSystem(String s) { return new Spec(model, s, messages, tools, jsonSchema, stop, maxTokens); }
        Spec withTools() { return new Spec(model, system, messages, true, jsonSchema, stop, maxTokens); }
        Spec withJsonSchema() { return new Spec(model, system, messages, tools, true, stop, maxTokens); }
        Spec withStop(String... s) { return new Spec(model, system, messages, tools, jsonSchema, List.of(s), maxTokens); }
        Spec withMaxTokens(int n) { return new Spec(model, system, messages, tools, jsonSchema, stop, n); }
        Spec plus(Msg... more) {
            List<Msg> all = new java.util.ArrayList<>(messages);
            all.addAll(List.of(more));
            return new Spec(model, system, all, tools, jsonSchema, stop, maxTokens);
        }
    }

    /** The weather tool's JSON schema, as a plain map both SDKs can take. */
    static final Map<String, Object> WEATHER_TOOL = Map.of(
            "type", "object",
            "properties", Map.of("city", Map.of("type", "string", "description", "City name")),
            "required", List.of("city"));

    static final Map<String, Object> WEATHER_SCHEMA = Map.of(
            "type", "object",
            "properties", Map.of("city", Map.of("type", "string"), "temp", Map.of("type", "integer")),
            "required", List.of("city", "temp"),
            "additionalProperties", false);

    /** A tool call as the caller saw it; {@code args} is JSON text. */
    record Call(String id, String name, String args) {
        JsonNode argsJson() {
            return json(args);
        }
    }

    /** What finished the answer, in user terms. */
    enum Finish { STOP, LENGTH, TOOLS, OTHER }

    /**
     * What the user got: text, finish reason (normalised and as the SDK reported it), tool calls,
     * usage ({@code usagePresent} false when a stream carried none), and Anthropic's stop_sequence.
     */
    record Result(String text, Finish finish, String rawFinish, List<Call> calls, long inputTokens, long outputTokens,
                  boolean usagePresent, String stopSequence) {}

    /** An error as the caller's SDK raised it. */
    static final class CallerError extends RuntimeException {
        final int status;
        final String type;
        final List<String> retryAfter;

        CallerError(int status, String type, String message, List<String> retryAfter, Throwable cause) {
            super(message, cause);
            this.status = status;
            this.type = type;
            this.retryAfter = retryAfter;
        }

        @Override
        public String toString() {
            return "CallerError[" + status + " " + type + ": " + getMessage() + "]";
        }
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
