package dev.gatehouse.api.openai;

import static dev.gatehouse.api.openai.BadInputTest.assertOpenAiError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile request bodies found by an outside probe: each must be a 400 in the caller's format
 * that says what is wrong in the caller's terms, never a 500 or a parser's internals.
 */
class HostileBodyTest {
    static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String MESSAGES = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        gateway = GatewayHarness.start(GatewayHarness.mockConfig());
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    static HttpResponse<String> post(String path, byte[] body) {
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + path))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .header("x-api-key", GatewayHarness.MASTER_KEY)
                .header("anthropic-version", "2023-06-01")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    static JsonNode anthropicError(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode root = BadInputTest.JSON.readTree(response.body());
        assertThat(root.path("type").asText()).as(response.body()).isEqualTo("error");
        return root.path("error");
    }

    @ParameterizedTest
    @ValueSource(strings = {"UTF-16BE", "UTF-16LE", "UTF-32BE", "UTF-32LE", "UTF-16"})
    void wideEncodingsAreRefusedNotCrashed(String charset) throws Exception {
        Charset cs = Charset.forName(charset);
        JsonNode chat = assertOpenAiError(post("/v1/chat/completions", CHAT.getBytes(cs)), 400);
        assertThat(chat.path("message").asText()).contains("UTF-8");
        JsonNode messages = anthropicError(post("/v1/messages", MESSAGES.getBytes(cs)));
        assertThat(messages.path("message").asText()).contains("UTF-8");
        assertOpenAiError(post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}".getBytes(cs)), 400);
    }

    @ParameterizedTest
    @ValueSource(strings = {" ", "\n\n", " \t\r\n "})
    void whitespaceOnlyBodyIsEmpty(String body) throws Exception {
        for (String path : new String[] {"/v1/embeddings", "/v1/chat/completions"}) {
            JsonNode error = assertOpenAiError(post(path, body.getBytes(StandardCharsets.UTF_8)), 400);
            assertThat(error.path("message").asText()).as(path).containsIgnoringCase("empty");
        }
        assertThat(anthropicError(post("/v1/messages", body.getBytes(StandardCharsets.UTF_8))).path("message").asText())
                .containsIgnoringCase("empty");
    }

    @Test
    void syntaxErrorsAreWordedForTheCaller() throws Exception {
        for (String path : new String[] {"/v1/chat/completions", "/v1/embeddings"}) {
            String message = assertOpenAiError(post(path, "{x".getBytes(StandardCharsets.UTF_8)), 400).path("message").asText();
            assertThat(message).as(path).startsWith("Request body is not valid JSON").contains("line 1, column 2")
                    .doesNotContain("code 120").doesNotContain("StreamRead").doesNotContain("`");
        }
        String message = anthropicError(post("/v1/messages", "{x".getBytes(StandardCharsets.UTF_8))).path("message").asText();
        assertThat(message).startsWith("Request body is not valid JSON").doesNotContain("code 120");
    }

    @Test
    void nestingDeeperThanTheLimitIsNamed() throws Exception {
        String deep = "[".repeat(200) + "]".repeat(200);
        String chat = "{\"model\":\"gpt-4o-mini\",\"x\":" + deep + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        for (String path : new String[] {"/v1/chat/completions", "/v1/embeddings"}) {
            String message = assertOpenAiError(post(path, chat.getBytes(StandardCharsets.UTF_8)), 400).path("message").asText();
            assertThat(message).as(path).isEqualTo("The request body nests JSON deeper than "
                    + dev.gatehouse.dialect.openai.OpenAiJson.MAX_DEPTH + " levels.");
        }
        String message = anthropicError(post("/v1/messages", chat.getBytes(StandardCharsets.UTF_8))).path("message").asText();
        assertThat(message).contains("deeper than " + dev.gatehouse.dialect.openai.OpenAiJson.MAX_DEPTH);
    }

    @Test
    void overlongNumbersAndNamesAreNamed() throws Exception {
        String number = "{\"model\":\"gpt-4o-mini\",\"temperature\":1" + "0".repeat(2000)
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String name = "{\"model\":\"gpt-4o-mini\",\"" + "k".repeat(70_000) + "\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        for (String path : new String[] {"/v1/chat/completions", "/v1/embeddings"}) {
            assertThat(assertOpenAiError(post(path, number.getBytes(StandardCharsets.UTF_8)), 400).path("message").asText())
                    .as(path).startsWith("A number in the request body is longer than").doesNotContain("StreamRead");
            assertThat(assertOpenAiError(post(path, name.getBytes(StandardCharsets.UTF_8)), 400).path("message").asText())
                    .as(path).startsWith("A field name in the request body is longer than").doesNotContain("StreamRead");
        }
        assertThat(anthropicError(post("/v1/messages", number.getBytes(StandardCharsets.UTF_8))).path("message").asText())
                .startsWith("A number in the request body is longer than");
    }

    @Test
    void outOfRangeTokenCapsAreNamed() throws Exception {
        String chat = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":99999999999999999999,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        JsonNode error = assertOpenAiError(post("/v1/chat/completions", chat.getBytes(StandardCharsets.UTF_8)), 400);
        assertThat(error.path("param").asText()).isEqualTo("max_tokens");
        String messages = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":99999999999999999999,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertThat(anthropicError(post("/v1/messages", messages.getBytes(StandardCharsets.UTF_8))).path("message").asText())
                .contains("max_tokens");
    }
}
