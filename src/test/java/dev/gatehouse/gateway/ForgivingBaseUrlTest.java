package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.FakeGemini;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Base URLs written without their API version reach the strict fakes at the right paths. */
class ForgivingBaseUrlTest {
    static FakeOpenAi openAi;
    static FakeGemini gemini;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        openAi = FakeOpenAi.start();
        gemini = FakeGemini.start();
        String geminiHost = gemini.baseUrl().substring(0, gemini.baseUrl().length() - "/v1beta".length());
        gateway = GatewayHarness.start("""
                providers:
                  bare-openai: {kind: openai, base-url: "%s/", api-key: %s}
                  bare-gemini: {kind: gemini, base-url: "%s", api-key: %s}
                  full-gemini: {kind: gemini, base-url: "%s/", api-key: %s}
                models:
                  o: {targets: [{provider: bare-openai, model: gpt-4o}]}
                  g: {targets: [{provider: bare-gemini, model: gemini-2.5-flash}]}
                  g2: {targets: [{provider: full-gemini, model: gemini-2.5-flash}]}
                """.formatted(openAi.origin(), FakeOpenAi.DEFAULT_KEY, geminiHost, FakeGemini.DEFAULT_KEY,
                gemini.baseUrl(), FakeGemini.DEFAULT_KEY));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        openAi.close();
        gemini.close();
    }

    static HttpResponse<String> chat(String model) {
        return gateway.post("/v1/chat/completions", "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    @Test
    void anOpenAiBaseUrlWithoutV1Works() {
        HttpResponse<String> response = chat("o");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(openAi.lastRequest().path()).isEqualTo("/v1/chat/completions");
    }

    @Test
    void aGeminiBaseUrlWithOrWithoutV1betaWorks() {
        for (String model : new String[] {"g", "g2"}) {
            HttpResponse<String> response = chat(model);
            assertThat(response.statusCode()).as(model + ": " + response.body()).isEqualTo(200);
        }
    }
}
