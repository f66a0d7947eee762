package dev.gatehouse.canonical;

import com.fasterxml.jackson.databind.JsonNode;

/** One piece of a message's content. */
public sealed interface ContentPart {

    /** Plain text. */
    /**
     * @param cacheControl a provider prompt-cache breakpoint on this text (Anthropic's
     *     {@code cache_control}, e.g. {@code {"type":"ephemeral"}}), null when none: kept so that a
     *     translation to a provider with explicit prompt caching sets the same breakpoint
     */
    record Text(String text, JsonNode cacheControl) implements ContentPart {
        public Text(String text) {
            this(text, null);
        }
    }

    /**
     * An image, either by URL ({@code http(s):} or a {@code data:} URL with base64 bytes).
     * {@code detail} is OpenAI's low/high/auto hint, or null.
     */
    record Image(String url, String detail) implements ContentPart {}

    /**
     * Reasoning the model showed (Anthropic thinking blocks). The signature must travel back
     * unchanged on the next turn, or the provider rejects the conversation.
     */
    record Reasoning(String text, String signature, boolean redacted) implements ContentPart {}

    /** A part type this model does not know yet (audio, files, ...), kept as raw JSON. */
    record Other(String type, JsonNode raw) implements ContentPart {}

    static Text text(String text) {
        return new Text(text);
    }

}
