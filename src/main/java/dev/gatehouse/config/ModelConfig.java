package dev.gatehouse.config;

import java.util.List;

/**
 * A public model name and where its requests go.
 *
 * @param type chat or embedding: which endpoints may use this model
 * @param strategy how targets are ordered for each request: priority (file order), weighted,
 *     least-latency, least-busy, lowest-cost, usage-aware
 * @param fallbacks other public models to try, in order, when every target of this one failed
 * @param pricing price override, or null for the shipped catalogue's price
 * @param capabilities what the model can do (vision, tools, json-schema), as router models read it;
 *     null when not configured (a built-in table by model name then applies)
 * @param router set for a router model ({@code router:}), which has no targets of its own
 */
public record ModelConfig(
        String name, String type, List<TargetConfig> targets, Timeouts timeouts, String strategy, List<String> fallbacks,
        PricingOverride pricing, List<String> capabilities, RouterConfig router) {

    /** Capabilities a model may declare; a router model derives the needed ones from each request. */
    public static final List<String> CAPABILITIES = List.of("vision", "tools", "json-schema");

    public static final List<String> STRATEGIES =
            List.of("priority", "weighted", "least-latency", "least-busy", "lowest-cost", "usage-aware");

    public ModelConfig {
        targets = List.copyOf(targets);
        timeouts = timeouts == null ? Timeouts.INHERIT : timeouts;
        strategy = strategy == null ? "priority" : strategy;
        fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
        capabilities = capabilities == null ? null : List.copyOf(capabilities);
    }

    /**
     * {@code models.<name>.pricing}: replaces the catalogue's price for this public model. Money in
     * micro-USD per million tokens (per image for {@code image}, per minute of audio for
     * {@code audioMinute}, per million characters spoken for {@code characters}, per search unit for
     * {@code searchUnit}); null fields keep
     * the catalogue's value.
     */
    public record PricingOverride(Long input, Long cachedInput, Long cacheWrite, Long output, Long reasoning, Long image,
            Integer maxOutputTokens, Integer contextTokens, Long audioMinute, Long characters, Long searchUnit) {
        public PricingOverride(Long input, Long cachedInput, Long cacheWrite, Long output, Long reasoning, Long image,
                Integer maxOutputTokens, Integer contextTokens) {
            this(input, cachedInput, cacheWrite, output, reasoning, image, maxOutputTokens, contextTokens, null, null, null);
        }

        public PricingOverride(Long input, Long cachedInput, Long cacheWrite, Long output, Long reasoning, Long image,
                Integer maxOutputTokens, Integer contextTokens, Long audioMinute, Long characters) {
            this(input, cachedInput, cacheWrite, output, reasoning, image, maxOutputTokens, contextTokens, audioMinute, characters, null);
        }
    }

    /**
     * One way of serving the model: a provider and the model's name there.
     *
     * @param weight share of traffic under the weighted strategy (default 1)
     * @param contextWindow the upstream model's context window in tokens, or null when unknown;
     *     after a context-length error only targets with a larger window are tried
     * @param rpm requests per minute this target may take (usage-aware strategy), or null
     * @param tpm tokens per minute this target may take (usage-aware strategy), or null
     */
    public record TargetConfig(
            String provider, String model, Timeouts timeouts, int weight, Integer contextWindow, Integer rpm, Integer tpm) {
        public TargetConfig {
            timeouts = timeouts == null ? Timeouts.INHERIT : timeouts;
            weight = weight <= 0 ? 1 : weight;
        }

        public TargetConfig(String provider, String model, Timeouts timeouts) {
            this(provider, model, timeouts, 1, null, null, null);
        }
    }
}
