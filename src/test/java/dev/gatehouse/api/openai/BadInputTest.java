package dev.gatehouse.api.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.GatewayHarness;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad requests through the running gateway: each gets the right 4xx in OpenAI's error shape with a
 * request id, never a 500.
 */
class BadInputTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        gateway = GatewayHarness.start(GatewayHarness.mockConfig() + """
                server:
                  max-body-size: 1KiB
                """);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            malformed JSON      | /v1/chat/completions | {"model":"gpt-4o-mini","messages":[}  | 400 |          | column
            not an object       | /v1/chat/completions | [1,2]                                 | 400 |          | JSON object
            string body         | /v1/chat/completions | "hello"                               | 400 |          | JSON object
            model missing       | /v1/chat/completions | {"messages":[{"role":"user","content":"x"}]} | 400 | model | 'model'
            model not a string  | /v1/chat/completions | {"model":7,"messages":[{"role":"user","content":"x"}]} | 400 | model | 'model'
            messages missing    | /v1/chat/completions | {"model":"gpt-4o-mini"}               | 400 | messages | 'messages'
            stream not boolean  | /v1/chat/completions | {"model":"gpt-4o-mini","stream":"yes","messages":[{"role":"user","content":"x"}]} | 400 | stream | 'stream'
            unknown model       | /v1/chat/completions | {"model":"gpt-9","messages":[{"role":"user","content":"x"}]} | 404 | model | gpt-9
            embedding model on chat | /v1/chat/completions | {"model":"text-embedding-3-small","messages":[{"role":"user","content":"x"}]} | 400 | model | /v1/embeddings
            chat model on embeddings | /v1/embeddings  | {"model":"gpt-4o-mini","input":"x"}    | 400 | model | /v1/chat/completions
            embeddings input missing | /v1/embeddings  | {"model":"text-embedding-3-small"}     | 400 | input | 'input'
            trailing garbage    | /v1/chat/completions | {"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]} x | 400 | | column 68
            """)
    void badBodies(String name, String path, String body, int status, String param, String messagePart) throws Exception {
        HttpResponse<String> response = gateway.post(path, body);
        JsonNode error = assertOpenAiError(response, status);
        if (param != null) {
            assertThat(error.path("param").asText()).isEqualTo(param);
        }
        assertThat(error.path("message").asText()).contains(messagePart);
    }

    @Test
    void unknownModelHasCodeModelNotFound() throws Exception {
        JsonNode error = assertOpenAiError(gateway.post("/v1/chat/completions",
                "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 404);
        assertThat(error.path("code").asText()).isEqualTo("model_not_found");
    }

    @Test
    void malformedJsonSaysWhere() throws Exception {
        JsonNode error = assertOpenAiError(gateway.post("/v1/chat/completions", "{\n  \"model\": \"gpt-4o-mini\",\n  \"messages\": [}"), 400);
        assertThat(error.path("message").asText()).contains("line 3");
    }

    @Test
    void emptyBody() throws Exception {
        JsonNode error = assertOpenAiError(gateway.post("/v1/chat/completions", ""), 400);
        assertThat(error.path("message").asText()).containsIgnoringCase("empty");
        assertOpenAiError(gateway.post("/v1/embeddings", ""), 400);
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        String big = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(2000) + "\"}]}";
        JsonNode error = assertOpenAiError(gateway.post("/v1/chat/completions", big), 413);
        assertThat(error.path("message").asText()).contains("1024");
        // And chunked (no Content-Length): refused as soon as it crosses the limit.
        HttpResponse<String> chunked = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big.getBytes()))));
        assertOpenAiError(chunked, 413);
    }

    @Test
    void wrongContentTypeIs415() throws Exception {
        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")));
        assertOpenAiError(response, 415);
        for (String type : new String[] {"application/jsonl", "application/json-seq", "multipart/form-data; boundary=x"}) {
            assertOpenAiError(gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                    .header("Content-Type", type)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))), 415);
        }
        for (String type : new String[] {"application/json; charset=utf-8", "Application/JSON"}) {
            HttpResponse<String> ok = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                    .header("Content-Type", type)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")));
            assertThat(ok.statusCode()).as(type).isEqualTo(200);
        }
    }

    @Test
    void unknownPathIs404() throws Exception {
        assertOpenAiError(gateway.post("/v1/chat/completion", "{}"), 404);
        assertOpenAiError(gateway.get("/v2/models"), 404);
    }

    @Test
    void wrongMethodIs405() throws Exception {
        JsonNode error = assertOpenAiError(gateway.get("/v1/chat/completions"), 405);
        assertThat(error.path("message").asText()).contains("GET");
        assertOpenAiError(gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/models"))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .DELETE()), 405);
    }

    @Test
    void missingOrWrongKeyIs401() throws Exception {
        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        assertOpenAiError(gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))), 401);
        assertOpenAiError(gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Authorization", "Bearer wrong-key")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))), 401);
        assertOpenAiError(gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/models"))), 401);
    }

    @Test
    void callerRequestIdIsEchoed() throws Exception {
        HttpResponse<String> bad = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .header("Content-Type", "application/json")
                .header("x-request-id", "abc-123")
                .POST(HttpRequest.BodyPublishers.ofString("{")));
        assertOpenAiError(bad, 400);
        assertThat(bad.headers().firstValue("x-request-id")).hasValue("abc-123");

        HttpResponse<String> good = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .header("Content-Type", "application/json")
                .header("x-request-id", "abc-123")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")));
        assertThat(good.statusCode()).isEqualTo(200);
        assertThat(good.headers().firstValue("x-request-id")).hasValue("abc-123");
    }

    static JsonNode assertOpenAiError(HttpResponse<String> response, int status) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        assertThat(response.headers().firstValue("x-request-id")).isPresent();
        JsonNode root = JSON.readTree(response.body());
        assertThat(root.size()).as("only an 'error' member: " + response.body()).isEqualTo(1);
        JsonNode error = root.path("error");
        assertThat(error.path("message").isTextual()).as(response.body()).isTrue();
        assertThat(error.path("message").asText()).isNotBlank();
        assertThat(error.path("type").isTextual()).isTrue();
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
        return error;
    }
}
