package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.UpstreamException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/** An error object an OpenAI-format upstream sent inside a stream, classified like an HTTP error. */
public final class OpenAiStreamErrors {
    private OpenAiStreamErrors() {}

    public static UpstreamException upstreamError(JsonNode error, String message, Provider provider) {
        // Classify as the provider would a 500 carrying this body; a code inside may refine it.
        Buffer body = error == null
                ? OpenAiErrors.body(message == null ? "error in stream" : message, "server_error", null, null)
                : Buffer.buffer("{\"error\":" + error + "}");
        return new UpstreamException(provider.codec().classify(500, MultiMap.caseInsensitiveMultiMap(), body));
    }
}
