package dev.gatehouse.routing;

import dev.gatehouse.config.ModelConfig.TargetConfig;
import dev.gatehouse.config.Timeouts;
import dev.gatehouse.provider.Provider;

/**
 * One way to serve a public model: a provider, the model's name there, its deadlines (fully
 * resolved) and its routing settings (weight, context window, rpm/tpm).
 *
 * @param learnsFirstByte no first-byte deadline was configured for it (target, model or
 *     provider): the deadline is learned from its recent calls, see {@link FirstByteDeadline}
 */
public record Target(Provider provider, String upstreamModel, Timeouts timeouts, TargetConfig settings, boolean learnsFirstByte) {

    public Target {
        settings = settings == null ? new TargetConfig(provider.name(), upstreamModel, timeouts) : settings;
    }

    public Target(Provider provider, String upstreamModel, Timeouts timeouts, TargetConfig settings) {
        this(provider, upstreamModel, timeouts, settings, false);
    }

    public Target(Provider provider, String upstreamModel, Timeouts timeouts) {
        this(provider, upstreamModel, timeouts, null, false);
    }

    /** "provider/model": the identity health, statistics and circuit breakers are kept under. */
    public String key() {
        return provider.name() + "/" + upstreamModel;
    }

    /** The same target reached through another provider instance (another API key, a team's own key). */
    public Target with(Provider other) {
        return new Target(other, upstreamModel, timeouts, settings, learnsFirstByte);
    }
}
