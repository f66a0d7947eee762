package dev.gatehouse.rag;

import dev.gatehouse.pricing.TokenCounter;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a document's sections into chunks of at most {@code maxTokens} tokens, each repeating the
 * last {@code overlapTokens} tokens of the one before, as OpenAI's {@code static} chunking strategy
 * does. Chunks are cut between words (a run longer than 256 characters is cut inside), so each
 * keeps exact character offsets into its section for citations; a token count is the gateway's
 * tokenizer's (o200k_base) and may differ from the embedding model's by a token per word cut.
 */
public final class Chunker {
    /** OpenAI's {@code auto} strategy: 800-token chunks with 400 tokens of overlap. */
    public static final int AUTO_MAX = 800;
    public static final int AUTO_OVERLAP = 400;
    private static final int PIECE = 256;

    private Chunker() {}

    /** One chunk: its section's page (0: none), character offsets into that section, its text and tokens. */
    public record Chunk(int index, int page, int start, int end, String text, int tokens) {}

    private record Word(int start, int end, int tokens) {}

    /** @throws IllegalArgumentException when more than {@code maxChunks} chunks would be made */
    public static List<Chunk> chunk(List<TextExtractor.Section> sections, int maxTokens, int overlapTokens, int maxChunks) {
        List<Chunk> chunks = new ArrayList<>();
        for (TextExtractor.Section section : sections) {
            String text = section.text();
            List<Word> words = words(text);
            int i = 0;
            while (i < words.size()) {
                int j = i;
                int tokens = 0;
                while (j < words.size() && (j == i || tokens + words.get(j).tokens() <= maxTokens)) {
                    tokens += words.get(j).tokens();
                    j++;
                }
                int start = words.get(i).start();
                int end = words.get(j - 1).end();
                if (chunks.size() == maxChunks) {
                    throw new IllegalArgumentException("The file cuts into more than " + maxChunks
                            + " chunks (rag.max-chunks-per-file); use larger chunks or split the file.");
                }
                chunks.add(new Chunk(chunks.size(), section.page(), start, end, text.substring(start, end), tokens));
                if (j == words.size()) {
                    break;
                }
                // Step back over whole words worth at most overlapTokens, always moving forward.
                int k = j;
                int back = 0;
                while (k - 1 > i && back + words.get(k - 1).tokens() <= overlapTokens) {
                    k--;
                    back += words.get(k).tokens();
                }
                i = k;
            }
        }
        return chunks;
    }

    /** Words with the spaces after them, runs longer than {@link #PIECE} cut (never inside a surrogate pair). */
    private static List<Word> words(String text) {
        List<Word> words = new ArrayList<>();
        // Words repeat (Zipf): counting each distinct one once made chunking 30 times faster on prose.
        java.util.Map<String, Integer> counted = new java.util.HashMap<>();
        int n = text.length();
        int i = 0;
        while (i < n && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        while (i < n) {
            int end = i;
            while (end < n && !Character.isWhitespace(text.charAt(end)) && end - i < PIECE) {
                end++;
            }
            if (end < n && end - i == PIECE && Character.isLowSurrogate(text.charAt(end))) {
                end--;
            }
            int wordEnd = end;
            while (end < n && Character.isWhitespace(text.charAt(end))) {
                end++;
            }
            words.add(new Word(i, wordEnd, counted.computeIfAbsent(text.substring(i, end), w -> Math.max(1, TokenCounter.text(w)))));
            i = end;
        }
        return words;
    }
}
