package dev.gatehouse.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.RerankResponse;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** What every rerank dialect shares: the {@code results} list, and the failure of an answer without one. */
public final class RerankAnswers {
    private RerankAnswers() {}

    /** The answer's {@code results} ({@code index}, {@code relevance_score}), the shape Cohere and Jina share. */
    public static List<RerankResponse.Result> results(JsonNode root, String provider, Buffer body) {
        JsonNode results = root.path("results");
        if (!results.isArray()) {
            throw malformed(provider, body);
        }
        List<RerankResponse.Result> out = new ArrayList<>(results.size());
        for (JsonNode r : results) {
            out.add(new RerankResponse.Result(r.path("index").asInt(-1), r.path("relevance_score").asDouble(0)));
        }
        return out;
    }

    public static UpstreamException malformed(String provider, Buffer body) {
        return new UpstreamException(new UpstreamError(ErrorClass.UPSTREAM_ERROR, 200,
                provider + " sent a rerank answer without 'results': " + Excerpt.truncate(body.toString(StandardCharsets.UTF_8)),
                null, null, null));
    }
}
