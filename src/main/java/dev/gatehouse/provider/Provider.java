package dev.gatehouse.provider;

import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.config.Timeouts;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.List;

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

    /**
     * Work that must happen before a translated chat request can be encoded for this provider and
     * that needs I/O, e.g. fetching http(s) images for a provider that only accepts bytes. Runs on
     * the canonical (translating) path only; fails with a GatewayException when the request cannot
     * be served (a refused image URL). The default changes nothing.
     */
    default Future<ChatRequest> prepare(ChatRequest request) {
        return Future.succeededFuture(request);
    }

    UpstreamRequest chat(Buffer body, String upstreamModel, boolean stream);

    /**
     * A cheap authenticated {@code GET} that answers 200 when the base URL and the key are right
     * (the provider's model list), for the connectivity check; null when the provider has none.
     */
    default UpstreamRequest probe() {
        return null;
    }

    /**
     * Whether this provider serves OpenAI's Responses API itself, so a Responses caller's bytes may
     * pass through ({@link #responses}). False unless configured ({@code responses: true}).
     */
    default boolean servesResponses() {
        return false;
    }

    /** A Responses API request ({@code POST …/responses}) to this provider; only when {@link #servesResponses()}. */
    default UpstreamRequest responses(Buffer body, String upstreamModel, boolean stream) {
        throw new UnsupportedOperationException("provider '" + name() + "' does not serve the Responses API");
    }

    UpstreamRequest embeddings(Buffer body, String upstreamModel);

    /**
     * How this provider reranks documents ({@code POST /v1/rerank} through the gateway), or null
     * when it has no rerank endpoint (a rerank model's targets must be on a provider that has one).
     */
    default RerankWire rerank() {
        return null;
    }

    /**
     * Whether this provider serves OpenAI's media endpoints ({@code images/generations},
     * {@code audio/transcriptions}, {@code moderations}, ...) in OpenAI's own format, so a
     * caller's request passes through with the model replaced.
     */
    default boolean servesOpenAiMedia() {
        return false;
    }

    /**
     * A request to one of OpenAI's media endpoints ({@code operation}, e.g. {@code images/edits}),
     * with either a whole {@code body} or a streamed {@code upload}; only when {@link #servesOpenAiMedia()}.
     */
    default UpstreamRequest media(String operation, String contentType, Buffer body, Upload upload, String upstreamModel) {
        throw new UnsupportedOperationException("provider '" + name() + "' does not serve " + operation);
    }

    /** Whether this provider generates images with Imagen's {@code :predict} method (the Gemini API). */
    default boolean servesImagen() {
        return false;
    }

    /** An Imagen {@code :predict} request ({@code instances}, {@code parameters}); only when {@link #servesImagen()}. */
    default UpstreamRequest imagen(Buffer body, String upstreamModel) {
        throw new UnsupportedOperationException("provider '" + name() + "' does not serve Imagen");
    }

    /**
     * A copy of this provider that authenticates upstream with {@code apiKey} instead of the
     * configured key (BYOK: a team's own key, or a caller's). Cheap: it shares the transport,
     * codec and settings; {@link #close} on the copy must not release shared resources.
     *
     * @throws UnsupportedOperationException when this kind of provider takes no per-team key
     */
    default Provider withApiKey(String apiKey) {
        throw new UnsupportedOperationException("provider '" + name() + "' does not accept per-team keys");
    }

    /**
     * Further API keys for the same provider ({@code api-keys} in the config): a key that is rate
     * limited rotates to the next through {@link #withApiKey}.
     */
    default List<String> extraApiKeys() {
        return List.of();
    }

    /** Releases what the provider holds (HTTP pools); called when a reload replaces it. */
    default void close() {}
}
