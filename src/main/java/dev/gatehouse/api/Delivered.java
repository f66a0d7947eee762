package dev.gatehouse.api;

/**
 * What a stream has delivered to the caller so far, in any caller format: the answer's text and
 * whether a tool call was started (which cannot be resumed faithfully). The stream's identity
 * (message id, model) lives in the caller's {@link dev.gatehouse.provider.StreamEncoder}.
 */
public record Delivered(String text, boolean toolCalls) {}
