package dev.gatehouse.routing;

import dev.gatehouse.config.Timeouts;
import dev.gatehouse.provider.Provider;

/** One way to serve a public model: a provider, the model's name there, and its deadlines (fully resolved). */
public record Target(Provider provider, String upstreamModel, Timeouts timeouts) {}
