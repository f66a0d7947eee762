package dev.gatehouse.gateway;

/** Which caller API a request came through. */
public enum Endpoint {
    CHAT_COMPLETIONS, EMBEDDINGS, MODELS, MESSAGES, COUNT_TOKENS
}
