package dev.gatehouse.routing;

import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.config.RouterConfig;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.UpstreamRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Semantic routing for router models: the last message is embedded with one of the gateway's own
 * embedding models and compared (cosine similarity) with labelled example prompts; the label of
 * the nearest example wins when it is similar enough. Example embeddings are computed once per
 * (embedding target, examples) and cached for the life of the process, across config reloads;
 * a failed computation is not cached, so the next request tries again.
 */
final class SemanticRouter {
    /** The longest a request waits for an embedding before routing goes on without it. */
    static final long TIMEOUT_MILLIS = 5_000;

    /** One example prompt's vector and the model it labels. */
    record Example(String model, float[] vector) {}

    /** The nearest example's model and its similarity; model null when nothing reached the minimum. */
    record Match(String model, double similarity) {}

    private final TargetHealth health;
    private final Map<String, Future<List<Example>>> examples = new ConcurrentHashMap<>();

    SemanticRouter(TargetHealth health) {
        this.health = health;
    }

    /** The nearest labelled example to {@code text}; fails when the embedding model cannot be reached. */
    Future<Match> nearest(RouterConfig.Semantic config, RoutingTable routes, String text) {
        Route embedding = routes.find(config.embeddingModel());
        Target target = embedding == null ? null
                : embedding.targets().stream().filter(health::available).findFirst()
                        .orElse(embedding.targets().isEmpty() ? null : embedding.targets().getFirst());
        if (target == null || text.isBlank()) {
            return Future.failedFuture(new IllegalStateException(target == null ? "no embedding target" : "empty message"));
        }
        return examples(config, target).compose(labelled -> embed(target, List.of(text)).map(vectors -> {
            float[] query = vectors.getFirst();
            String best = null;
            double bestSimilarity = -2;
            for (Example example : labelled) {
                double similarity = cosine(query, example.vector());
                if (similarity > bestSimilarity) {
                    bestSimilarity = similarity;
                    best = example.model();
                }
            }
            return new Match(bestSimilarity >= config.minSimilarity() ? best : null, bestSimilarity);
        }));
    }

    private Future<List<Example>> examples(RouterConfig.Semantic config, Target target) {
        String key = target.key() + '\n' + config.examples();
        Future<List<Example>> cached = examples.get(key);
        if (cached != null && !cached.failed()) {
            return cached;
        }
        List<String> models = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        config.examples().forEach((model, prompts) -> prompts.forEach(prompt -> {
            models.add(model);
            texts.add(prompt);
        }));
        Future<List<Example>> computed = embed(target, texts).map(vectors -> {
            List<Example> labelled = new ArrayList<>(vectors.size());
            for (int i = 0; i < vectors.size() && i < models.size(); i++) {
                labelled.add(new Example(models.get(i), vectors.get(i)));
            }
            return List.copyOf(labelled);
        });
        examples.put(key, computed);
        computed.onFailure(e -> examples.remove(key, computed)); // try again on the next request
        return computed;
    }

    /** One upstream embeddings call for {@code texts}, in the provider's own format. */
    static Future<List<float[]>> embed(Target target, List<String> texts) {
        Provider provider = target.provider();
        Buffer body = provider.codec().encodeEmbeddings(
                new EmbeddingRequest(target.upstreamModel(), texts, null, null, null, null));
        UpstreamRequest request = provider.embeddings(body, target.upstreamModel());
        var call = provider.transport().send(request, target.timeouts());
        return call.response().compose(response -> {
            Promise<Buffer> done = Promise.promise();
            Buffer received = Buffer.buffer();
            response.handler(received::appendBuffer);
            response.exceptionHandler(done::tryFail);
            response.endHandler(v -> done.tryComplete(received));
            response.resume();
            return done.future().map(all -> {
                if (response.status() / 100 != 2) {
                    throw new IllegalStateException("embedding model answered " + response.status());
                }
                List<float[]> vectors = provider.codec().decodeEmbeddings(all).vectors();
                if (vectors.size() != texts.size()) {
                    throw new IllegalStateException("expected " + texts.size() + " embeddings, got " + vectors.size());
                }
                return vectors;
            });
        }).timeout(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).onFailure(e -> call.cancel());
    }

    static double cosine(float[] a, float[] b) {
        int n = Math.min(a.length, b.length);
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < n; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}
