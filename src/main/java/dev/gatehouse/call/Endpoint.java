package dev.gatehouse.call;

/** Which caller API a request came through. */
public enum Endpoint {
    CHAT_COMPLETIONS, EMBEDDINGS, MODELS, MESSAGES, COUNT_TOKENS, RESPONSES,
    /** An MCP {@code tools/call}, directly on {@code /mcp} or run by the gateway for a model (agent mode). */
    MCP_TOOL_CALL,
    IMAGES_GENERATIONS, IMAGES_EDITS, IMAGES_VARIATIONS,
    AUDIO_TRANSCRIPTIONS, AUDIO_TRANSLATIONS, AUDIO_SPEECH,
    MODERATIONS,
    /** {@code /v1/files}: uploaded files (knowledge bases). */
    FILES,
    /** {@code /v1/vector_stores}: vector stores, their files and search. */
    VECTOR_STORES,
    /** {@code /v1/rerank}: documents ordered by their relevance to a query. */
    RERANK;

    /**
     * The model type ({@code models.<name>.type}) this endpoint serves: a model answers the
     * endpoints of its type only.
     */
    public String modelType() {
        return switch (this) {
            case EMBEDDINGS -> "embedding";
            case IMAGES_GENERATIONS, IMAGES_EDITS, IMAGES_VARIATIONS -> "image";
            case AUDIO_TRANSCRIPTIONS, AUDIO_TRANSLATIONS -> "transcription";
            case AUDIO_SPEECH -> "speech";
            case MODERATIONS -> "moderation";
            case RERANK -> "rerank";
            default -> "chat";
        };
    }

    /** The upstream path of an OpenAI-format endpoint ({@code images/generations}), or null for the others. */
    public String openAiOperation() {
        return switch (this) {
            case IMAGES_GENERATIONS -> "images/generations";
            case IMAGES_EDITS -> "images/edits";
            case IMAGES_VARIATIONS -> "images/variations";
            case AUDIO_TRANSCRIPTIONS -> "audio/transcriptions";
            case AUDIO_TRANSLATIONS -> "audio/translations";
            case AUDIO_SPEECH -> "audio/speech";
            case MODERATIONS -> "moderations";
            default -> null;
        };
    }
}
