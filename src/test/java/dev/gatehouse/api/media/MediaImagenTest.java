package dev.gatehouse.api.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.models.images.ImageGenerateParams;
import com.openai.models.images.ImagesResponse;
import dev.gatehouse.testing.FakeGemini;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.RecordedRequest;
import dev.gatehouse.usage.RequestRecord;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** OpenAI image generation served by Imagen on the Gemini API (translated both ways), through the openai-java SDK. */
class MediaImagenTest {
    static FakeGemini fake;
    static GatewayHarness gateway;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        fake = FakeGemini.start();
        gateway = GatewayHarness.start("""
                providers:
                  google: {kind: gemini, base-url: %s, api-key: %s}
                  mock: {kind: mock}
                models:
                  imagen: {type: image, targets: [{provider: google, model: imagen-3.0-generate-002}, {provider: mock}]}
                """.formatted(fake.baseUrl(), FakeGemini.DEFAULT_KEY));
        client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(20)).maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        fake.close();
    }

    @Test
    void imagesAreGeneratedByImagenInOpenAisShape() throws Exception {
        String requestId = "imagen-" + System.nanoTime();
        ImagesResponse images = client.images().generate(ImageGenerateParams.builder().model("imagen").prompt("a fox")
                .n(2).size(ImageGenerateParams.Size._1024X1792).responseFormat(ImageGenerateParams.ResponseFormat.B64_JSON)
                .putAdditionalHeader("x-request-id", requestId).build());
        assertThat(images.data().orElseThrow()).hasSize(2);
        assertThat(Base64.getDecoder().decode(images.data().orElseThrow().getFirst().b64Json().orElseThrow())).startsWith(0x89, 'P');
        RecordedRequest sent = fake.requests().getLast();
        assertThat(sent.path()).isEqualTo("/v1beta/models/imagen-3.0-generate-002:predict");
        assertThat(sent.json().path("instances").get(0).path("prompt").asText()).isEqualTo("a fox");
        assertThat(sent.json().path("parameters").path("sampleCount").asInt()).isEqualTo(2);
        assertThat(sent.json().path("parameters").path("aspectRatio").asText()).isEqualTo("9:16");
        assertThat(awaitRecord(requestId).costMicros()).isEqualTo(60_000); // 2 × $0.03

        ImagesResponse url = client.images().generate(ImageGenerateParams.builder().model("imagen").prompt("a fox").build());
        assertThat(url.data().orElseThrow().getFirst().url().orElseThrow()).startsWith("data:image/png;base64,");
    }

    @Test
    void aGoogleServerErrorFallsBackToTheNextTarget() {
        fake.failNext(503, "UNAVAILABLE", "The model is overloaded.");
        ImagesResponse images = client.images().generate(ImageGenerateParams.builder().model("imagen").prompt("a heron").build());
        assertThat(images.data().orElseThrow().getFirst().url().orElseThrow()).startsWith("data:image/png;base64,");
    }

    @Test
    void moreImagesThanImagenMakesIsAClearError() {
        assertThatThrownBy(() -> client.images().generate(ImageGenerateParams.builder().model("imagen").prompt("x").n(5).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("Imagen makes at most 4 images");
    }

    static RequestRecord awaitRecord(String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            RequestRecord r = gateway.gatehouse().requestLogging().store().find(requestId);
            if (r != null) {
                return r;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no request log record for " + requestId);
    }
}
