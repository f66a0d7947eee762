package dev.gatehouse.provider;

import dev.gatehouse.config.Timeouts;

/**
 * Moves an {@link UpstreamRequest} to the upstream. HTTP for real providers; in-process for the
 * mock. Only the connect deadline belongs here; the executor enforces the others uniformly.
 */
public interface Transport {
    UpstreamCall send(UpstreamRequest request, Timeouts timeouts);
}
