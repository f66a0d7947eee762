package dev.gatehouse.canonical;

/** A function call the model asked for. {@code arguments} is the JSON text exactly as produced. */
public record ToolCall(String id, String name, String arguments) {}
