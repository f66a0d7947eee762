package dev.gatehouse.api.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.usage.RequestRecord;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Same-format passthrough to an upstream that serves the Responses API itself ({@code responses: true}):
 * a request the gateway need not store passes through as bytes with only the model replaced, and
 * its usage is read from the answer; a request to be stored takes the translated path instead.
 */
class ResponsesPassthroughTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ANSWER = """
            {"id":"resp_upstream1","object":"response","created_at":1,"status":"completed","model":"gpt-4o-2024-08-06",\
            "output":[{"id":"msg_u1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text",\
            "text":"From the upstream.","annotations":[]}]}],"usage":{"input_tokens":11,"input_tokens_details":{"cached_tokens":4},\
            "output_tokens":6,"output_tokens_details":{"reasoning_tokens":2},"total_tokens":17},"x_upstream_only":true}""";
    static final String STREAM = """
            event: response.created
            data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_upstream2","status":"in_progress","output":[]}}

            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":1,"item_id":"msg_u2","output_index":0,"content_index":0,"delta":"Hi"}

            event: response.completed
            data: {"type":"response.completed","sequence_number":2,"response":{"id":"resp_upstream2","status":"completed","usage":{"input_tokens":9,"output_tokens":3,"total_tokens":12}}}

            """;
    static final String CHAT = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-2024-08-06","choices":[{"index":0,\
            "message":{"role":"assistant","content":"Translated."},"finish_reason":"stop"}],\
            "usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}""";

    static Vertx vertx;
    static HttpServer upstream;
    static final List<String[]> received = new CopyOnWriteArrayList<>(); // path, body
    static GatewayHarness gateway;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        upstream = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            received.add(new String[] {req.path(), body.toString()});
            if (req.path().endsWith("/chat/completions")) {
                req.response().putHeader("content-type", "application/json").end(CHAT);
            } else if (body.toString().contains("\"stream\":true")) {
                req.response().putHeader("content-type", "text/event-stream").end(STREAM);
            } else {
                req.response().putHeader("content-type", "application/json").end(ANSWER);
            }
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        gateway = GatewayHarness.start("""
                providers:
                  oai: {kind: openai, base-url: "http://127.0.0.1:%d/v1", api-key: sk-test, responses: true}
                models:
                  gpt-4o:
                    targets: [{provider: oai, model: gpt-4o-2024-08-06}]
                """.formatted(upstream.actualPort()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @BeforeEach
    void reset() {
        received.clear();
    }

    static HttpResponse<String> post(String body, String requestId) {
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/responses"))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).header("Content-Type", "application/json")
                .header("x-request-id", requestId).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void unstoredRequestPassesThroughAsBytes() throws Exception {
        String body = "{\"model\":\"gpt-4o\",  \"store\":false,\"input\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"metadata\":{\"k\":\"v\"}}";
        String id = "pt-" + System.nanoTime();
        HttpResponse<String> r = post(body, id);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(ANSWER); // the upstream's bytes, fields the gateway does not know included
        assertThat(received).hasSize(1);
        assertThat(received.get(0)[0]).isEqualTo("/v1/responses");
        assertThat(received.get(0)[1]).isEqualTo(body.replace("\"gpt-4o\"", "\"gpt-4o-2024-08-06\""));
        RequestRecord record = ResponsesGovernanceTest.awaitRecord(gateway.gatehouse().requestLogging().store(), id);
        assertThat(record.inputTokens()).isEqualTo(11);
        assertThat(record.outputTokens()).isEqualTo(6);
        assertThat(record.cachedTokens()).isEqualTo(4);
        assertThat(record.reasoningTokens()).isEqualTo(2);
    }

    @Test
    void unstoredStreamPassesThroughAsBytes() throws Exception {
        String id = "pts-" + System.nanoTime();
        HttpResponse<String> r = post("{\"model\":\"gpt-4o\",\"store\":false,\"stream\":true,\"input\":\"Hi\"}", id);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(STREAM);
        assertThat(received.get(0)[0]).isEqualTo("/v1/responses");
        RequestRecord record = ResponsesGovernanceTest.awaitRecord(gateway.gatehouse().requestLogging().store(), id);
        assertThat(record.inputTokens()).isEqualTo(9);
        assertThat(record.outputTokens()).isEqualTo(3);
    }

    /** A response the gateway stores goes through the canonical model, so any provider can continue it. */
    @Test
    void storedRequestIsTranslated() throws Exception {
        HttpResponse<String> r = post("{\"model\":\"gpt-4o\",\"input\":\"Hi\"}", "ptt-" + System.nanoTime());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.get("output").get(0).get("content").get(0).get("text").asText()).isEqualTo("Translated.");
        assertThat(received.get(0)[0]).isEqualTo("/v1/chat/completions");
        String storedId = answer.get("id").asText();
        assertThat(gateway.get("/v1/responses/" + storedId).statusCode()).isEqualTo(200);

        // A follow-up also goes translated, even with store: false (it continues a stored conversation).
        received.clear();
        HttpResponse<String> followUp = post("{\"model\":\"gpt-4o\",\"store\":false,\"previous_response_id\":\"" + storedId
                + "\",\"input\":\"Again\"}", "ptf-" + System.nanoTime());
        assertThat(followUp.statusCode()).as(followUp.body()).isEqualTo(200);
        assertThat(received.get(0)[0]).isEqualTo("/v1/chat/completions");
        assertThat(((ObjectNode) JSON.readTree(received.get(0)[1])).get("messages").toString()).contains("Hi", "Translated.", "Again");
    }
}
