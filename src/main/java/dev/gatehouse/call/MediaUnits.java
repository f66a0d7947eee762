package dev.gatehouse.call;

/**
 * What a media call is billed by, as the catalogue prices it: images (per image, by size and
 * quality), audio seconds (transcription), characters (speech), search units (rerank). Set from the request before the
 * budget reserves (the most the call can use), then replaced by what the answer shows (images
 * returned, seconds transcribed) before the call is settled.
 *
 * @param unit what is counted
 * @param quantity how many
 * @param variant the image size and quality as the catalogue keys them ({@code 1024x1024/hd}), or null
 */
public record MediaUnits(Unit unit, long quantity, String variant) {
    /** {@code SEARCH_UNIT}: a rerank of up to 100 documents against one query, as Cohere bills it. */
    public enum Unit { IMAGE, AUDIO_SECOND, CHARACTER, SEARCH_UNIT }

    public MediaUnits {
        quantity = Math.max(0, quantity);
    }

    public MediaUnits withQuantity(long quantity) {
        return new MediaUnits(unit, quantity, variant);
    }
}
