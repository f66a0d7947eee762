package dev.gatehouse.pricing;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.ToolDefinition;

/**
 * Counts a request's input tokens with OpenAI's o200k_base BPE tokenizer (jtokkit). Exact for the
 * text of OpenAI's current models; for Claude, Gemini and others it is an estimate (their
 * tokenizers are not public), typically within 10–20 % for English text.
 */
public final class TokenCounter {
    /** Per-message framing (role markers), as OpenAI counts it. */
    private static final int PER_MESSAGE = 3;
    /** An image of about a megapixel: Anthropic documents (w × h) / 750 tokens, capped near 1600. */
    private static final int PER_IMAGE = 1600;
    private static final int PER_TOOL = 8;
    private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    private TokenCounter() {}

    public static int count(ChatRequest request) {
        int tokens = 3; // the assistant reply's priming
        for (Message m : request.messages()) {
            tokens += PER_MESSAGE;
            for (ContentPart part : m.content()) {
                tokens += switch (part) {
                    case ContentPart.Text t -> text(t.text());
                    case ContentPart.Image i -> PER_IMAGE;
                    case ContentPart.Reasoning r -> text(r.text());
                    case ContentPart.Other o -> text(o.raw().toString());
                };
            }
            for (ToolCall call : m.toolCalls()) {
                tokens += PER_TOOL + text(call.name()) + text(call.arguments());
            }
        }
        for (ToolDefinition tool : request.tools()) {
            tokens += PER_TOOL + text(tool.name()) + text(tool.description())
                    + (tool.parameters() == null ? 0 : text(tool.parameters().toString()));
        }
        return tokens;
    }

    /**
     * The text of an answer that the tokenizer counts when an upstream reported no usage: content,
     * reasoning and tool calls (name and arguments).
     */
    public static String answerText(ChatResponse response) {
        StringBuilder text = new StringBuilder();
        for (ContentPart part : response.content()) {
            switch (part) {
                case ContentPart.Text t -> text.append(t.text());
                case ContentPart.Reasoning r -> text.append(r.text());
                default -> { }
            }
        }
        for (ToolCall call : response.toolCalls()) {
            text.append(call.name()).append(call.arguments());
        }
        return text.toString();
    }

    /**
     * Longest piece handed to the tokenizer at once. The tokenizer allocates about 100 bytes per
     * character of a long pre-token (a run without spaces, e.g. base64 or a hostile "yyyy…") and
     * over 400 past 500 bytes, where it switches algorithm: a 350 KB run made one count allocate
     * 150 MB. Cutting such runs into pieces changes the count by at most a token per cut; text with
     * ordinary words is cut where the tokenizer itself splits it and counts exactly the same.
     */
    static final int PIECE = 256;

    /** Tokens of plain text (o200k_base, no framing). */
    public static int text(String s) {
        if (s == null || s.isEmpty()) {
            return 0;
        }
        if (s.length() <= PIECE) {
            return ENCODING.countTokensOrdinary(s);
        }
        int tokens = 0;
        int start = 0;
        while (start < s.length()) {
            int end = cut(s, start);
            tokens += ENCODING.countTokensOrdinary(s.substring(start, end));
            start = end;
        }
        return tokens;
    }

    /**
     * End of the piece that starts at {@code start}: before the last single space between two
     * words within {@link #PIECE} characters (the tokenizer's own boundary: that space joins the
     * word after it), else at {@link #PIECE}, never inside a surrogate pair.
     */
    private static int cut(String s, int start) {
        int limit = start + PIECE;
        if (limit >= s.length()) {
            return s.length();
        }
        for (int i = limit; i > start + PIECE / 2; i--) {
            if (s.charAt(i) == ' ' && !Character.isWhitespace(s.charAt(i - 1)) && !Character.isWhitespace(s.charAt(i + 1))) {
                return i;
            }
        }
        return Character.isLowSurrogate(s.charAt(limit)) ? limit - 1 : limit;
    }
}
