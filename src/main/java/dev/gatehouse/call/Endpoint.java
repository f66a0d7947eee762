package dev.gatehouse.call;

/** Which caller API a request came through. */
public enum Endpoint {
    CHAT_COMPLETIONS, EMBEDDINGS, MODELS, MESSAGES, COUNT_TOKENS, RESPONSES
}
