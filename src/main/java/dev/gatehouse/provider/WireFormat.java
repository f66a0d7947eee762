package dev.gatehouse.provider;

/** An HTTP API dialect. When caller and upstream share one, bytes pass through untranslated. */
public enum WireFormat {
    OPENAI, ANTHROPIC, GEMINI, BEDROCK, MISTRAL, COHERE
}
