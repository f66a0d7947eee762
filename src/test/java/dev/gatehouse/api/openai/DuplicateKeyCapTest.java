package dev.gatehouse.api.openai;

import static dev.gatehouse.api.openai.BadInputTest.assertOpenAiError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A key repeated in the body must not slip past a policy: the gateway would check one value while
 * the upstream (which may keep the first or the last) uses the other. Keys that matter are refused.
 */
class DuplicateKeyCapTest {
    static GatewayHarness gateway;
    static String key;

    @BeforeAll
    static void start() {
        gateway = GatewayHarness.start(GatewayHarness.mockConfig());
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        String team = master.ok("POST", "/teams", "{\"name\":\"eng\"}").text("id");
        String user = master.ok("POST", "/users", "{\"name\":\"Dana\",\"email\":\"dana@example.com\",\"team_id\":\"" + team
                + "\",\"role\":\"member\"}").text("id");
        String policy = master.ok("POST", "/policies", "{\"name\":\"capped\",\"team_id\":\"" + team
                + "\",\"models\":[\"gpt-4o-mini\"],\"max_tokens\":100}").text("id");
        master.ok("POST", "/policies/" + policy + "/attachments", "{\"subject_type\":\"team\",\"subject_id\":\"" + team + "\"}");
        key = master.ok("POST", "/keys", "{\"owner_id\":\"" + user + "\"}").text("key");
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    static HttpResponse<String> post(String path, String body) {
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + path))
                .header("Authorization", "Bearer " + key)
                .header("x-api-key", key)
                .header("anthropic-version", "2023-06-01")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            max_tokens                        | "max_tokens":50,"max_tokens":100000
            max_tokens, large first           | "max_tokens":100000,"max_tokens":50
            max_completion_tokens             | "max_completion_tokens":50,"max_completion_tokens":100000
            max_completion_tokens, large first| "max_completion_tokens":100000,"max_completion_tokens":50
            n                                 | "max_tokens":50,"n":1,"n":100
            tools                             | "max_tokens":50,"tools":[],"tools":[]
            """)
    void chatDuplicatesAreRefused(String field, String members) throws Exception {
        String name = field.split(",")[0].trim();
        HttpResponse<String> response = post("/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\"," + members + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        JsonNode error = assertOpenAiError(response, 400);
        assertThat(error.path("param").asText()).isEqualTo(name);
        assertThat(error.path("message").asText()).contains("Duplicate key '" + name + "'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            max_tokens, large first | "max_tokens":100000,"max_tokens":50
            tools                   | "max_tokens":50,"tools":[],"tools":[]
            """)
    void messagesDuplicatesAreRefused(String field, String members) throws Exception {
        String name = field.split(",")[0].trim();
        HttpResponse<String> response = post("/v1/messages",
                "{\"model\":\"gpt-4o-mini\"," + members + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.body()).contains(name + ": duplicate key");
    }

    /**
     * Both caps at once: an upstream may honour either, so the policy checks the larger one (and
     * the budget reserves for it).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            max_tokens larger            | "max_tokens":100000,"max_completion_tokens":50
            max_completion_tokens larger | "max_tokens":50,"max_completion_tokens":100000
            """)
    void bothCapsAreCheckedByTheLarger(String name, String members) {
        HttpResponse<String> response = post("/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\"," + members + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(response.body()).contains("max_tokens 100000 is denied by policy 'capped'");
    }

    @Test
    void bothCapsUnderThePolicyPass() {
        HttpResponse<String> response = post("/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"max_tokens\":60,\"max_completion_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            /v1/chat/completions | "max_tokens":50
            /v1/messages         | "max_tokens":50
            """)
    void aSingleKeyUnderTheCapPasses(String path, String members) {
        HttpResponse<String> response = post(path,
                "{\"model\":\"gpt-4o-mini\"," + members + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }
}
