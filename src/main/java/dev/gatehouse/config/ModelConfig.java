package dev.gatehouse.config;

import java.util.List;

/**
 * A public model name and where its requests go. Targets are tried in order: when one fails
 * before any byte reached the caller with a retryable error, the next one gets the request.
 *
 * @param type chat or embedding: which endpoints may use this model
 * @param pricing price override, or null for the shipped catalogue's price
 */
public record ModelConfig(String name, String type, List<TargetConfig> targets, Timeouts timeouts, PricingOverride pricing) {

    public ModelConfig {
        targets = List.copyOf(targets);
        timeouts = timeouts == null ? Timeouts.INHERIT : timeouts;
    }

    public ModelConfig(String name, String type, List<TargetConfig> targets, Timeouts timeouts) {
        this(name, type, targets, timeouts, null);
    }

    /**
     * {@code models.<name>.pricing}: replaces the catalogue's price for this public model. Money in
     * micro-USD per million tokens (per image for {@code image}); null fields keep the catalogue's value.
     */
    public record PricingOverride(Long input, Long cachedInput, Long cacheWrite, Long output, Long reasoning, Long image,
            Integer maxOutputTokens, Integer contextTokens) {}

    /** One way of serving the model: a provider and the model's name there. */
    public record TargetConfig(String provider, String model, Timeouts timeouts) {
        public TargetConfig {
            timeouts = timeouts == null ? Timeouts.INHERIT : timeouts;
        }
    }
}
