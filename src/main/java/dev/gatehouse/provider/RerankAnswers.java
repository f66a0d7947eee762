package dev.gatehouse.provider;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/** What every rerank dialect shares: the failure of an answer that is JSON but not a rerank answer. */
public final class RerankAnswers {
    private RerankAnswers() {}

    public static UpstreamException malformed(String provider, Buffer body) {
        return new UpstreamException(new UpstreamError(ErrorClass.UPSTREAM_ERROR, 200,
                provider + " sent a rerank answer without 'results': " + Excerpt.truncate(body.toString(StandardCharsets.UTF_8)),
                null, null, null));
    }
}
