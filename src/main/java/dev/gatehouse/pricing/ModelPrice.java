package dev.gatehouse.pricing;

import java.util.Map;

/**
 * What one model costs, in integer micro-units of USD (1 USD = 1,000,000 micro-units).
 * Token prices are per <em>million</em> tokens, so "$0.15 per 1M tokens" is {@code 150_000} and a
 * single token's share stays exact until the one division in {@link Pricing#cost}.
 *
 * @param input uncached input tokens, micro-USD per 1M tokens
 * @param cachedInput input tokens read from the provider's prompt cache
 * @param cacheWrite input tokens written to the prompt cache
 * @param output output tokens
 * @param reasoning reasoning tokens (a subset of output tokens)
 * @param perImage micro-USD per generated image (0 when not an image model)
 * @param maxOutputTokens the model's largest possible answer (0: unknown); the worst case when a request sets none
 * @param contextTokens the model's context window (0: unknown); caps input estimates
 * @param perAudioMinute micro-USD per minute of audio transcribed or translated
 * @param perMillionCharacters micro-USD per million characters of text spoken (speech)
 * @param images micro-USD per image by size and quality ({@code 1024x1024/hd}) or size alone
 *     ({@code 1024x1024}); a variant not listed costs {@code perImage}
 * @param perSearchUnit micro-USD per search unit of a rerank model (one query against up to 100 documents)
 */
public record ModelPrice(
        long input, long cachedInput, long cacheWrite, long output, long reasoning, long perImage,
        int maxOutputTokens, int contextTokens, long perAudioMinute, long perMillionCharacters, Map<String, Long> images,
        long perSearchUnit) {

    /** For models nobody priced: free, so cost is 0 and budgets do not stop them (a warning is logged). */
    public static final ModelPrice UNKNOWN = new ModelPrice(0, 0, 0, 0, 0, 0, 0, 0);

    public ModelPrice {
        images = images == null ? Map.of() : Map.copyOf(images);
        if (input < 0 || cachedInput < 0 || cacheWrite < 0 || output < 0 || reasoning < 0 || perImage < 0
                || maxOutputTokens < 0 || contextTokens < 0 || perAudioMinute < 0 || perMillionCharacters < 0 || perSearchUnit < 0
                || images.values().stream().anyMatch(v -> v < 0)) {
            throw new IllegalArgumentException("prices and limits must not be negative");
        }
    }

    /** A token-priced model (no audio or per-variant image prices). */
    public ModelPrice(long input, long cachedInput, long cacheWrite, long output, long reasoning, long perImage,
            int maxOutputTokens, int contextTokens) {
        this(input, cachedInput, cacheWrite, output, reasoning, perImage, maxOutputTokens, contextTokens, 0, 0, Map.of());
    }

    /** A price without a search-unit price. */
    public ModelPrice(long input, long cachedInput, long cacheWrite, long output, long reasoning, long perImage,
            int maxOutputTokens, int contextTokens, long perAudioMinute, long perMillionCharacters, Map<String, Long> images) {
        this(input, cachedInput, cacheWrite, output, reasoning, perImage, maxOutputTokens, contextTokens, perAudioMinute,
                perMillionCharacters, images, 0);
    }

    /** The price of one image of {@code variant} ({@code size/quality}): that variant, else its size, else {@link #perImage}. */
    public long imagePrice(String variant) {
        if (variant != null) {
            Long exact = images.get(variant);
            if (exact != null) {
                return exact;
            }
            int slash = variant.indexOf('/');
            Long bySize = slash < 0 ? null : images.get(variant.substring(0, slash));
            if (bySize != null) {
                return bySize;
            }
        }
        return perImage;
    }

    /** Whether anything about a media call is priced (a budget then reserves its cost). */
    public boolean pricesMedia() {
        return perImage > 0 || perAudioMinute > 0 || perMillionCharacters > 0 || perSearchUnit > 0 || !images.isEmpty();
    }

    /** Only input and output prices; cache reads/writes cost as input, reasoning as output. */
    public static ModelPrice of(long inputPerMillion, long outputPerMillion) {
        return new ModelPrice(inputPerMillion, inputPerMillion, inputPerMillion, outputPerMillion, outputPerMillion, 0, 0, 0);
    }
}
