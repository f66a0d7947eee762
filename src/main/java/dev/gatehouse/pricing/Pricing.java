package dev.gatehouse.pricing;

import dev.gatehouse.canonical.Usage;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prices calls: the shipped catalogue, overridden per public model from config
 * ({@code models.<name>.pricing}). All arithmetic is on longs: token counts times micro-USD per
 * million tokens are summed exactly and divided once, rounding <em>up</em> to a whole micro-unit,
 * so a call is never charged less than it cost and no fraction is ever carried in floating point.
 *
 * <p>Token semantics follow {@link Usage}: {@code inputTokens} is the whole prompt, of which
 * {@code cachedInputTokens} were cache reads and {@code cacheWriteTokens} cache writes;
 * {@code reasoningTokens} are part of {@code outputTokens}.
 */
public final class Pricing {
    private static final Logger LOG = LoggerFactory.getLogger(Pricing.class);
    private static final long PER_MILLION = 1_000_000L;

    private final PriceCatalogue catalogue;
    private final Map<String, ModelPrice> overrides;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /** @param overrides by public model name (from config) */
    public Pricing(PriceCatalogue catalogue, Map<String, ModelPrice> overrides) {
        this.catalogue = catalogue;
        this.overrides = Map.copyOf(overrides);
    }

    public static Pricing shipped() {
        return new Pricing(PriceCatalogue.shipped(), Map.of());
    }

    public PriceCatalogue catalogue() {
        return catalogue;
    }

    /**
     * The price for a call to public model {@code publicModel} answered by {@code upstreamModel}:
     * the config override of the public model, else the catalogue entry of the upstream model
     * (the one that actually answered), else that of the public name, else {@link ModelPrice#UNKNOWN}.
     */
    public ModelPrice price(String publicModel, String upstreamModel) {
        ModelPrice override = publicModel == null ? null : overrides.get(publicModel);
        if (override != null) {
            return override;
        }
        ModelPrice price = catalogue.find(upstreamModel);
        if (price == null) {
            price = catalogue.find(publicModel);
        }
        if (price == null) {
            String name = upstreamModel != null ? upstreamModel : publicModel;
            if (name != null && warned.size() < 1000 && warned.add(name)) {
                LOG.warn("no price for model '{}': its calls cost 0 and budgets do not limit them; "
                        + "set models.<name>.pricing in the config", name);
            }
            return ModelPrice.UNKNOWN;
        }
        return price;
    }

    /** The price of a model by its (upstream) name: catalogue only. */
    public ModelPrice price(String model) {
        return price(null, model);
    }

    /** Cost of {@code usage} on {@code model}, in micro-USD. */
    public long cost(String model, Usage usage) {
        return cost(price(model), usage);
    }

    /** Cost of {@code usage} at {@code price}, in micro-USD, rounded up to a whole micro-unit. */
    public static long cost(ModelPrice price, Usage usage) {
        if (usage == null) {
            return 0;
        }
        long cached = clamp(usage.cachedInputTokens(), usage.inputTokens());
        long written = clamp(usage.cacheWriteTokens(), usage.inputTokens() - cached);
        long plainInput = Math.max(0, usage.inputTokens() - cached - written);
        long reasoning = clamp(usage.reasoningTokens(), usage.outputTokens());
        long plainOutput = Math.max(0, usage.outputTokens() - reasoning);
        long sum = 0;
        sum = Math.addExact(sum, Math.multiplyExact(plainInput, price.input()));
        sum = Math.addExact(sum, Math.multiplyExact(cached, price.cachedInput()));
        sum = Math.addExact(sum, Math.multiplyExact(written, price.cacheWrite()));
        sum = Math.addExact(sum, Math.multiplyExact(plainOutput, price.output()));
        sum = Math.addExact(sum, Math.multiplyExact(reasoning, price.reasoning()));
        return Math.ceilDiv(sum, PER_MILLION);
    }

    /**
     * Cost of a media call's units: images at their variant's price, audio by the minute (rounded
     * up to the micro-unit per second), characters by the million. Null units cost nothing.
     */
    public static long mediaCost(ModelPrice price, dev.gatehouse.call.MediaUnits units) {
        if (units == null) {
            return 0;
        }
        return switch (units.unit()) {
            case IMAGE -> Math.multiplyExact(price.imagePrice(units.variant()), units.quantity());
            case AUDIO_SECOND -> Math.ceilDiv(Math.multiplyExact(price.perAudioMinute(), units.quantity()), 60);
            case CHARACTER -> Math.ceilDiv(Math.multiplyExact(price.perMillionCharacters(), units.quantity()), PER_MILLION);
            case SEARCH_UNIT -> Math.multiplyExact(price.perSearchUnit(), units.quantity());
        };
    }

    /** Cost of {@code images} generated images. */
    public static long imageCost(ModelPrice price, long images) {
        return Math.multiplyExact(price.perImage(), images);
    }

    /**
     * The most a call can cost: every input token at the dearest input rate, every possible output
     * token at the dearest output rate. Used to reserve budget before the call is made.
     */
    public static long worstCase(ModelPrice price, long inputTokens, long maxOutputTokens) {
        long inputRate = Math.max(price.input(), Math.max(price.cachedInput(), price.cacheWrite()));
        long outputRate = Math.max(price.output(), price.reasoning());
        long sum = Math.addExact(Math.multiplyExact(Math.max(0, inputTokens), inputRate),
                Math.multiplyExact(Math.max(0, maxOutputTokens), outputRate));
        return Math.ceilDiv(sum, PER_MILLION);
    }

    private static long clamp(long value, long max) {
        return Math.max(0, Math.min(value, Math.max(0, max)));
    }
}
