package dev.gatehouse.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.GatewayHarness;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests the gateway sends to itself, made from a thread that is not Vert.x's (as the knowledge
 * bases' ingestion threads do): the answer's body arrives whole however late that thread looks.
 * Before {@link Loopback#post} read the body itself, a caller that looked a moment after the answer
 * had arrived got status 200 and an empty body (the suite's intermittent "0 vectors for 2 inputs").
 */
class LoopbackTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, String> CREDENTIALS = Map.of("authorization", "Bearer " + GatewayHarness.MASTER_KEY);
    static GatewayHarness gateway;
    static Vertx vertx;
    static Loopback loopback;

    @BeforeAll
    static void start() {
        gateway = GatewayHarness.start(GatewayHarness.mockConfig());
        vertx = Vertx.vertx();
        loopback = new Loopback(vertx.createHttpClient(), "127.0.0.1", gateway::port);
    }

    @AfterAll
    static void stop() {
        vertx.close().await();
        gateway.close();
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void anAnswerLookedAtLongAfterItArrivedStillHasItsBody() throws Exception {
        Buffer request = Buffer.buffer("{\"model\":\"text-embedding-3-small\",\"input\":[\"one\",\"two\"]}");
        Future<Loopback.Answer> sent = loopback.post("/v1/embeddings", CREDENTIALS, request, 0);
        await(sent);
        // This thread looks only now, well after the whole answer came in: a thread descheduled, or
        // linking a lambda for the first time, is late the same way.
        Thread.sleep(200);
        Loopback.Answer answer = await(sent);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.headers().get("content-type")).startsWith("application/json");
        JsonNode json = JSON.readTree(answer.body().getBytes());
        assertThat(json.path("data")).hasSize(2);
        assertThat(json.path("data").path(0).path("embedding").size()).isPositive();
    }

    @Test
    void aStreamedAnswerReachesItsHandlerWholeWhileTheSendingThreadSleeps() throws Exception {
        Buffer request = Buffer.buffer("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        Future<Buffer> streamed = loopback.send("/v1/chat/completions", CREDENTIALS, request, 0, response -> {
            Promise<Buffer> all = Promise.promise();
            Buffer chunks = Buffer.buffer();
            response.handler(chunks::appendBuffer);
            response.endHandler(v -> all.complete(chunks));
            return all.future();
        });
        Thread.sleep(200); // nothing more is asked of this thread: the handlers were set on the event loop
        String text = await(streamed).toString();
        assertThat(text).startsWith("data: ").contains("\"chat.completion.chunk\"").endsWith("data: [DONE]\n\n");
    }

    @Test
    void aRefusalComesWithItsStatusAndBody() throws Exception {
        Buffer request = Buffer.buffer("{\"model\":\"text-embedding-3-small\",\"input\":[\"one\"]}");
        Loopback.Answer answer = await(loopback.post("/v1/embeddings", Map.of("authorization", "Bearer not-a-key"), request, 0));
        assertThat(answer.status()).isEqualTo(401);
        assertThat(JSON.readTree(answer.body().getBytes()).path("error").path("message").asText()).isNotEmpty();
    }
}
