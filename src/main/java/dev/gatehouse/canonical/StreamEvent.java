package dev.gatehouse.canonical;

/**
 * One event of a streamed answer, in the order a provider produces them:
 * {@code Start}, then any mix of deltas, then {@code Finish}, then optionally {@code UsageReport}.
 * Tool-call fragments carry the call's index so parallel calls can interleave.
 */
public sealed interface StreamEvent {

    /** The answer begins. */
    record Start(String id, String model, long created) implements StreamEvent {}

    record TextDelta(String text) implements StreamEvent {}

    record ReasoningDelta(String text, String signature) implements StreamEvent {}

    /**
     * A fragment of tool call {@code index}. {@code id} and {@code name} arrive with the first
     * fragment of a call (null afterwards); {@code argumentsFragment} is a piece of JSON text.
     */
    record ToolCallDelta(int index, String id, String name, String argumentsFragment) implements StreamEvent {}

    record Finish(FinishReason reason) implements StreamEvent {}

    record UsageReport(Usage usage) implements StreamEvent {}
}
