package dev.gatehouse.provider;

import dev.gatehouse.config.Timeouts;
import io.vertx.core.buffer.Buffer;

/**
 * One configured upstream: where it is, how to authenticate, which format it speaks and how
 * bytes get there. Bodies given to it are already in its format with the upstream model set;
 * it adds URL and auth.
 */
public interface Provider {
    String name();

    WireCodec codec();

    Transport transport();

    /** Provider-level deadlines (unset fields inherit the defaults). */
    Timeouts timeouts();

    /** Whether same-format requests may pass through as bytes. */
    boolean passthrough();

    UpstreamRequest chat(Buffer body, String upstreamModel, boolean stream);

    UpstreamRequest embeddings(Buffer body, String upstreamModel);

    /** Releases what the provider holds (HTTP pools); called when a reload replaces it. */
    default void close() {}
}
