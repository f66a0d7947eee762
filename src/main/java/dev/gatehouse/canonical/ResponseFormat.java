package dev.gatehouse.canonical;

import com.fasterxml.jackson.databind.JsonNode;

/** The shape the answer must take. */
public sealed interface ResponseFormat {
    record Text() implements ResponseFormat {}

    /** Any valid JSON object. */
    record JsonObject() implements ResponseFormat {}

    /** JSON that validates against {@code schema}. */
    record JsonSchema(String name, JsonNode schema, Boolean strict) implements ResponseFormat {}
}
