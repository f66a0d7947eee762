package dev.gatehouse.canonical;

import java.util.List;

/** One vector per input, in input order. */
public record EmbeddingResponse(String model, List<float[]> vectors, Usage usage) {}
