package dev.gatehouse.pricing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gatehouse.config.Micros;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The shipped price list ({@code pricing/catalogue.yaml}) and the name lookup: upstream model
 * names come with dates, provider prefixes and "-latest" tags ({@code gpt-4o-2024-08-06},
 * {@code openai/gpt-4o}, {@code claude-3-5-sonnet-20241022}, {@code models/gemini-2.5-pro}), so a
 * lookup tries the exact name, then the name without prefix, then without such suffixes.
 */
public final class PriceCatalogue {
    static final String RESOURCE = "/pricing/catalogue.yaml";
    // -2024-08-06, -20241022, @20241022, -0125 (OpenAI's MMDD), -latest, Bedrock's -v2:0, -001 (Gemini)
    private static final Pattern SUFFIX = Pattern.compile(
            "(-\\d{4}-\\d{2}-\\d{2}|[-@]\\d{8}|-\\d{4}|-latest|-v\\d+(:\\d+)?|-\\d{3})$");

    // Bedrock model ids: an optional cross-region profile ("us.", "eu.", "apac.", "global.") and the vendor
    // ("anthropic.claude-sonnet-4-20250514-v1:0", "us.amazon.nova-lite-v1:0") before the model's own name.
    private static final Pattern BEDROCK_PREFIX = Pattern.compile(
            "^([a-z]{2,6}\\.)?(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer)\\.");

    private final Map<String, ModelPrice> prices;
    private final String asOf;

    PriceCatalogue(Map<String, ModelPrice> prices, String asOf) {
        this.prices = Map.copyOf(prices);
        this.asOf = asOf;
    }

    /** The catalogue shipped in the jar. */
    public static PriceCatalogue shipped() {
        try (InputStream in = PriceCatalogue.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static PriceCatalogue parse(InputStream yaml) throws IOException {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        JsonNode root = mapper.readTree(yaml);
        Map<String, ModelPrice> prices = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("models").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            ModelPrice price = read(e.getKey(), e.getValue());
            prices.put(e.getKey().toLowerCase(Locale.ROOT), price);
            for (JsonNode alias : e.getValue().path("aliases")) {
                prices.put(alias.asText().toLowerCase(Locale.ROOT), price);
            }
        }
        return new PriceCatalogue(prices, root.path("as-of").asText(null));
    }

    private static ModelPrice read(String name, JsonNode n) {
        try {
            long input = micros(n, "input", 0);
            long output = micros(n, "output", 0);
            Map<String, Long> images = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.path("images").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> variant = it.next();
                images.put(variant.getKey().toLowerCase(Locale.ROOT), Micros.parse(variant.getValue().asText()));
            }
            return new ModelPrice(input, micros(n, "cached-input", input), micros(n, "cache-write", input), output,
                    micros(n, "reasoning", output), micros(n, "image", 0), n.path("max-output").asInt(0), n.path("context").asInt(0),
                    micros(n, "audio-minute", 0), micros(n, "characters", 0), images, micros(n, "search-unit", 0));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("pricing catalogue, model " + name + ": " + e.getMessage(), e);
        }
    }

    private static long micros(JsonNode n, String field, long fallback) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? fallback : Micros.parse(v.asText());
    }

    /** The price of {@code model}, or null when the catalogue does not list it under any normalised name. */
    public ModelPrice find(String model) {
        if (model == null || model.isBlank()) {
            return null;
        }
        String name = model.trim().toLowerCase(Locale.ROOT);
        ModelPrice price = findWithoutPrefix(name);
        int slash = name.lastIndexOf('/');
        if (price == null && slash >= 0) {
            price = findWithoutPrefix(name.substring(slash + 1));
        }
        if (price == null) {
            String bare = BEDROCK_PREFIX.matcher(name).replaceFirst("");
            if (!bare.equals(name)) {
                price = findWithoutPrefix(bare);
            }
        }
        return price;
    }

    private ModelPrice findWithoutPrefix(String name) {
        String candidate = name;
        // Strip at most three suffixes ("-latest", then a date, then a version) before giving up.
        for (int i = 0; i < 4; i++) {
            ModelPrice price = prices.get(candidate);
            if (price != null) {
                return price;
            }
            String stripped = SUFFIX.matcher(candidate).replaceFirst("");
            if (stripped.equals(candidate) || stripped.isEmpty()) {
                return null;
            }
            candidate = stripped;
        }
        return null;
    }

    public int size() {
        return prices.size();
    }

    /** When the shipped prices were compiled (e.g. "2025-10"). */
    public String asOf() {
        return asOf;
    }
}
