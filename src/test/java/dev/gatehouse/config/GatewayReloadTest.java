package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.SseCall;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Editing the config file of a running gateway: valid changes apply within seconds, invalid ones never do. */
class GatewayReloadTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static String config(String baseUrl, String extraModels) {
        return """
                providers:
                  up: {kind: openai, base-url: "%s", api-key: %s}
                models:
                  first:
                    targets: [{provider: up, model: gpt-4o}]
                %s
                auth:
                  master-key: %s
                """.formatted(baseUrl, FakeOpenAi.DEFAULT_KEY, extraModels, GatewayHarness.MASTER_KEY);
    }

    @Test
    void addedModelIsServedAndInvalidFileKeepsTheOldConfig() throws Exception {
        try (FakeOpenAi fake = FakeOpenAi.start();
                GatewayHarness gateway = GatewayHarness.start(config(fake.baseUrl(), ""))) {
            assertThat(modelIds(gateway)).containsExactly("first");

            // Some file systems keep mtimes in whole seconds: make sure the edit is visible as a change.
            Thread.sleep(1100);
            Files.writeString(gateway.configFile(), config(fake.baseUrl(), """
                  second:
                    targets: [{provider: up, model: gpt-4o-mini}]
                """));
            assertThat(waitForModels(gateway, List.of("first", "second"), Duration.ofSeconds(5)))
                    .as("the new model is listed").containsExactly("first", "second");
            HttpResponse<String> answer = gateway.post("/v1/chat/completions",
                    "{\"model\":\"second\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(fake.lastRequest().json().path("model").asText()).isEqualTo("gpt-4o-mini");

            // An invalid file (unknown provider) must change nothing.
            Thread.sleep(1100);
            Files.writeString(gateway.configFile(), config(fake.baseUrl(), """
                  third:
                    targets: [{provider: nowhere}]
                """));
            Thread.sleep(2500); // two poll intervals
            assertThat(modelIds(gateway)).containsExactly("first", "second");
            assertThat(gateway.post("/v1/chat/completions",
                    "{\"model\":\"second\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode()).isEqualTo(200);

            // Not even YAML: same.
            Files.writeString(gateway.configFile(), "providers: [unclosed\n");
            Thread.sleep(2500);
            assertThat(modelIds(gateway)).containsExactly("first", "second");
        }
    }

    @Test
    void aStreamInFlightFinishesOnTheConfigItStartedWith() throws Exception {
        try (FakeOpenAi fake = FakeOpenAi.start();
                GatewayHarness gateway = GatewayHarness.start(config(fake.baseUrl(), """
                          second:
                            targets: [{provider: up, model: gpt-4o-mini}]
                        """))) {
            fake.chunks(15).chunkDelay(Duration.ofMillis(200)); // ~3 s of stream
            Thread.sleep(1100);
            try (SseCall call = SseCall.post(gateway, "/v1/chat/completions",
                    "{\"model\":\"second\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
                assertThat(call.nextData(Duration.ofSeconds(3))).isNotNull();
                // Remove the model (and rename the provider) while the stream runs.
                Files.writeString(gateway.configFile(), """
                        providers:
                          renamed: {kind: openai, base-url: "%s", api-key: %s}
                        models:
                          first:
                            targets: [{provider: renamed, model: gpt-4o}]
                        auth:
                          master-key: %s
                        """.formatted(fake.baseUrl(), FakeOpenAi.DEFAULT_KEY, GatewayHarness.MASTER_KEY));
                assertThat(waitForModels(gateway, List.of("first"), Duration.ofSeconds(5))).containsExactly("first");
                call.readAll(Duration.ofSeconds(6));
                assertThat(call.ended()).isTrue();
                assertThat(call.dataLines().getLast().text()).isEqualTo("[DONE]");
                assertThat(call.events()).noneMatch(e -> e.has("error"));
            }
            assertThat(gateway.post("/v1/chat/completions",
                    "{\"model\":\"second\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode())
                    .isEqualTo(404);
        }
    }

    static List<String> waitForModels(GatewayHarness gateway, List<String> expected, Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        List<String> ids = modelIds(gateway);
        while (!ids.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            ids = modelIds(gateway);
        }
        return ids;
    }

    static List<String> modelIds(GatewayHarness gateway) throws Exception {
        HttpResponse<String> response = gateway.get("/v1/models");
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (JsonNode m : JSON.readTree(response.body()).path("data")) {
            ids.add(m.path("id").asText());
        }
        return ids;
    }
}
