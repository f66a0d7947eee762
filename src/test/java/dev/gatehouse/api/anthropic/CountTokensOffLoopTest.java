package dev.gatehouse.api.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.GatewayHarness;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tokenizing a big prompt for count_tokens must not stall the event loop: a health check sent
 * on the same HTTP/2 connection (so served by the same event loop) answers while it runs.
 */
class CountTokensOffLoopTest {
    static GatewayHarness gateway;
    static Vertx vertx;
    static HttpClient client;

    @BeforeAll
    static void start() {
        gateway = GatewayHarness.start(GatewayHarness.mockConfig());
        vertx = Vertx.vertx();
        client = vertx.createHttpClient(new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().await(5, TimeUnit.SECONDS);
        gateway.close();
    }

    @Test
    @Timeout(90)
    void aHealthCheckOnTheSameConnectionAnswersWhileABigPromptIsCounted() throws Exception {
        Buffer big = body(words(7_000_000)); // close to the 8 MiB limit: a few seconds of a core, cold
        for (int round = 0; round < 3; round++) {
            CompletableFuture<Long> bigDone = new CompletableFuture<>();
            CompletableFuture<Void> bigSent = new CompletableFuture<>();
            send("/v1/messages/count_tokens", big, bigSent).onComplete(r -> {
                if (r.failed() || !r.result().startsWith("200 ")) {
                    bigDone.completeExceptionally(new AssertionError("count_tokens: " + (r.failed() ? r.cause() : r.result())));
                } else {
                    bigDone.complete(System.nanoTime());
                }
            });
            bigSent.get(10, TimeUnit.SECONDS);
            Thread.sleep(100); // the body is read and tokenizing has begun
            if (bigDone.isDone()) {
                bigDone.get(); // a failure shows here; a count that already finished cannot tell: again
                continue;
            }
            CompletableFuture<Long> healthDone = new CompletableFuture<>();
            send("/health/live", null, new CompletableFuture<>()).onComplete(r -> {
                if (r.failed()) {
                    healthDone.completeExceptionally(r.cause());
                } else {
                    healthDone.complete(System.nanoTime());
                }
            });
            long health = healthDone.get(60, TimeUnit.SECONDS);
            assertThat(bigDone.isDone()).as("the big count was still running when the health check answered").isFalse();
            assertThat(health).isLessThan(bigDone.get(60, TimeUnit.SECONDS));
            return;
        }
        throw new AssertionError("count_tokens finished too fast to tell, three times");
    }

    /** About {@code chars} of varied words (a repeated sentence tokenizes faster than prose). */
    static String words(int chars) {
        java.util.Random random = new java.util.Random(22);
        StringBuilder text = new StringBuilder(chars + 16);
        while (text.length() < chars) {
            int length = 2 + random.nextInt(9);
            for (int i = 0; i < length; i++) {
                text.append((char) ('a' + random.nextInt(26)));
            }
            text.append(random.nextInt(12) == 0 ? ". " : " ");
        }
        return text.toString();
    }

    @Test
    void aPromptBeyondTheLimitIsA413() throws Exception {
        Buffer huge = body("x".repeat(CountTokens.MAX_BODY_BYTES + 1));
        String text = send("/v1/messages/count_tokens", huge, new CompletableFuture<>())
                .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertThat(text).startsWith("413 ");
        assertThat(text).contains("\"type\":\"error\"").contains("count_tokens accepts request bodies up to 8 MiB");
    }

    static Buffer body(String text) {
        return Buffer.buffer("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}");
    }

    /** The answer as "STATUS BODY", read on the client's event loop so no byte can slip by. */
    static Future<String> send(String uri, Buffer body, CompletableFuture<Void> sent) {
        RequestOptions options = new RequestOptions().setHost("127.0.0.1").setPort(gateway.port()).setURI(uri)
                .putHeader("x-api-key", GatewayHarness.MASTER_KEY)
                .putHeader("anthropic-version", "2023-06-01");
        if (body == null) {
            options.setMethod(HttpMethod.GET);
        } else {
            options.setMethod(HttpMethod.POST).putHeader("content-type", "application/json");
        }
        return client.request(options).compose(request -> {
            Future<String> response = request.response()
                    .compose(r -> r.body().map(b -> r.statusCode() + " " + b));
            (body == null ? request.end() : request.end(body)).onComplete(w -> sent.complete(null));
            return response;
        });
    }
}
