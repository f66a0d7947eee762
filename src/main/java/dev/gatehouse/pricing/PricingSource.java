package dev.gatehouse.pricing;

import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.ModelConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@link Pricing} for the config in force: the shipped catalogue merged with each model's
 * {@code pricing} override. Rebuilt only when the config object changes (a reload), so the hot
 * path pays one reference comparison.
 */
public final class PricingSource {
    private record Built(GatehouseConfig config, Pricing pricing) {}

    private final PriceCatalogue catalogue;
    private volatile Built built;

    public PricingSource(PriceCatalogue catalogue) {
        this.catalogue = catalogue;
    }

    public Pricing pricing(GatehouseConfig config) {
        Built b = built;
        if (b == null || b.config() != config) {
            b = new Built(config, build(catalogue, config));
            built = b;
        }
        return b.pricing();
    }

    static Pricing build(PriceCatalogue catalogue, GatehouseConfig config) {
        Map<String, ModelPrice> overrides = new HashMap<>();
        for (ModelConfig model : config.models().values()) {
            ModelConfig.PricingOverride o = model.pricing();
            if (o == null) {
                continue;
            }
            ModelPrice base = catalogue.find(model.targets().isEmpty() ? null : model.targets().getFirst().model());
            if (base == null) {
                base = catalogue.find(model.name());
            }
            overrides.put(model.name(), merge(base == null ? ModelPrice.UNKNOWN : base, o));
        }
        return new Pricing(catalogue, overrides);
    }

    /** Fields the override sets replace the base; cache and reasoning rates follow a changed input/output rate unless set. */
    static ModelPrice merge(ModelPrice base, ModelConfig.PricingOverride o) {
        long input = o.input() != null ? o.input() : base.input();
        long output = o.output() != null ? o.output() : base.output();
        long cached = o.cachedInput() != null ? o.cachedInput() : o.input() != null ? input : base.cachedInput();
        long write = o.cacheWrite() != null ? o.cacheWrite() : o.input() != null ? input : base.cacheWrite();
        long reasoning = o.reasoning() != null ? o.reasoning() : o.output() != null ? output : base.reasoning();
        return new ModelPrice(input, cached, write, output, reasoning, o.image() != null ? o.image() : base.perImage(),
                o.maxOutputTokens() != null ? o.maxOutputTokens() : base.maxOutputTokens(),
                o.contextTokens() != null ? o.contextTokens() : base.contextTokens(),
                o.audioMinute() != null ? o.audioMinute() : base.perAudioMinute(),
                o.characters() != null ? o.characters() : base.perMillionCharacters(),
                // a configured per-image price replaces the catalogue's per-variant prices
                o.image() != null ? java.util.Map.of() : base.images(),
                o.searchUnit() != null ? o.searchUnit() : base.perSearchUnit());
    }
}
