package dev.gatehouse.call;

/** Which caller API a request came through. */
public enum Endpoint {
    CHAT_COMPLETIONS, EMBEDDINGS, MODELS, MESSAGES, COUNT_TOKENS, RESPONSES,
    /** An MCP {@code tools/call}, directly on {@code /mcp} or run by the gateway for a model (agent mode). */
    MCP_TOOL_CALL
}
