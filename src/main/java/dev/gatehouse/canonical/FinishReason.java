package dev.gatehouse.canonical;

/** Why the model stopped. {@code ERROR} marks an answer that was cut off by a failure. */
public enum FinishReason {
    STOP, LENGTH, TOOL_CALLS, CONTENT_FILTER, ERROR
}
