package dev.gatehouse.call;

/** Which caller API a request came through. */
public enum Endpoint {
    CHAT_COMPLETIONS, EMBEDDINGS, MODELS, MESSAGES, COUNT_TOKENS, RESPONSES,
    /** An MCP {@code tools/call}, directly on {@code /mcp} or run by the gateway for a model (agent mode). */
    MCP_TOOL_CALL,
    /** {@code /v1/files}: uploaded files (knowledge bases). */
    FILES,
    /** {@code /v1/vector_stores}: vector stores, their files and search. */
    VECTOR_STORES
}
