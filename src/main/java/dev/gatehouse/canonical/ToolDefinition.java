package dev.gatehouse.canonical;

import com.fasterxml.jackson.databind.JsonNode;

/** A function the model may call; {@code parameters} is a JSON Schema, or null. */
public record ToolDefinition(String name, String description, JsonNode parameters, Boolean strict) {}
