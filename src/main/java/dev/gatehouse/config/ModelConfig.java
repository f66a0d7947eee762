package dev.gatehouse.config;

import java.util.List;

/**
 * A public model name and where its requests go. Targets are tried in order: when one fails
 * before any byte reached the caller with a retryable error, the next one gets the request.
 *
 * @param type chat or embedding: which endpoints may use this model
 */
public record ModelConfig(String name, String type, List<TargetConfig> targets, Timeouts timeouts) {

    public ModelConfig {
        targets = List.copyOf(targets);
        timeouts = timeouts == null ? Timeouts.INHERIT : timeouts;
    }

    /** One way of serving the model: a provider and the model's name there. */
    public record TargetConfig(String provider, String model, Timeouts timeouts) {
        public TargetConfig {
            timeouts = timeouts == null ? Timeouts.INHERIT : timeouts;
        }
    }
}
