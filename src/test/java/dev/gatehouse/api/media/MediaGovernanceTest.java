package dev.gatehouse.api.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.models.audio.AudioResponseFormat;
import com.openai.models.audio.speech.SpeechCreateParams;
import com.openai.models.audio.transcriptions.TranscriptionCreateParams;
import com.openai.models.images.ImageGenerateParams;
import com.openai.models.images.ImagesResponse;
import com.openai.models.moderations.ModerationCreateParams;
import dev.gatehouse.dialect.mock.MediaSamples;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeOpenAiMedia;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.usage.RequestLogStore;
import dev.gatehouse.usage.RequestRecord;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Media calls get what chat gets: routing with fallback on a failing first target (the upload sent
 * again, byte for byte), OpenAI and Azure OpenAI upstreams, prices per image, per audio second and
 * per character charged to budgets and written to the request log, policies that deny a model,
 * and metrics; all through the official openai-java SDK against a strict fake of OpenAI's API.
 */
class MediaGovernanceTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static FakeOpenAiMedia fake;
    static GatewayHarness gateway;
    static AdminClient master;
    static OpenAIClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        fake = FakeOpenAiMedia.start();
        gateway = GatewayHarness.start("""
                providers:
                  fake: {kind: openai, base-url: "%s", api-key: %s}
                  azure: {kind: azure-openai, base-url: "%s", api-key: %s, api-version: 2024-10-21}
                  mock: {kind: mock, mock: {chunk-delay: 1ms}}
                models:
                  dall-e-3: {type: image, targets: [{provider: fake}, {provider: mock}]}
                  whisper-1: {type: transcription, targets: [{provider: fake}, {provider: mock}]}
                  tts-1: {type: speech, targets: [{provider: azure, model: my-tts-deployment}]}
                  omni-moderation-latest: {type: moderation, targets: [{provider: fake}]}
                """.formatted(fake.baseUrl(), FakeOpenAiMedia.KEY, fake.origin(), FakeOpenAiMedia.KEY));
        master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        client = sdk(GatewayHarness.MASTER_KEY);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        fake.close();
    }

    static OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(key).timeout(Duration.ofSeconds(20)).maxRetries(0).build();
    }

    @Test
    void imagesFallBackOnAServerErrorAndAreChargedPerImageBySizeAndQuality() throws Exception {
        fake.failNext(2, 500); // the first try and its retry on the same target (routing.retries.prefer: same-target)
        String requestId = "img-" + System.nanoTime();
        ImagesResponse images = client.images().generate(ImageGenerateParams.builder().model("dall-e-3").prompt("a red kite")
                .n(2).size(ImageGenerateParams.Size._1024X1792).quality(ImageGenerateParams.Quality.HD)
                .putAdditionalHeader("x-request-id", requestId).build());
        assertThat(images.data().orElseThrow()).hasSize(2); // the mock answered after the fake's two 500s
        RequestRecord record = awaitRecord(requestId);
        assertThat(record.endpoint()).isEqualTo("images_generations");
        assertThat(record.provider()).isEqualTo("mock");
        assertThat(record.attempts()).hasSize(3);
        assertThat(record.costMicros()).isEqualTo(2 * 120_000); // dall-e-3 hd 1024x1792: $0.12 an image

        String plain = "img-" + System.nanoTime();
        client.images().generate(ImageGenerateParams.builder().model("dall-e-3").prompt("a kite")
                .putAdditionalHeader("x-request-id", plain).build());
        assertThat(awaitRecord(plain).costMicros()).isEqualTo(40_000); // standard 1024x1024
        FakeOpenAiMedia.Received sent = fake.received().getLast();
        assertThat(sent.json().path("prompt").asText()).isEqualTo("a kite");
        assertThat(sent.model()).isEqualTo("dall-e-3");
    }

    @Test
    void anUploadIsSentAgainToTheFallbackAndBilledByTheSecondsTheAnswerReports() throws Exception {
        byte[] audio = MediaSamples.wav(3, 4000);
        Path file = Files.write(dir.resolve("meeting.wav"), audio);
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(audio));

        // The fake answers: its verbose_json says 61.5 s, billed as 62 s of whisper-1 at $0.006 a minute.
        String requestId = "stt-" + System.nanoTime();
        var verbose = client.audio().transcriptions().create(TranscriptionCreateParams.builder().model("whisper-1").file(file)
                .responseFormat(AudioResponseFormat.VERBOSE_JSON).language("en").putAdditionalHeader("x-request-id", requestId).build());
        assertThat(verbose.asVerbose().text()).isEqualTo("Fake transcript of " + audio.length + " bytes.");
        FakeOpenAiMedia.Received received = fake.received().getLast();
        assertThat(received.files()).singleElement().satisfies(f -> {
            assertThat(f.field()).isEqualTo("file");
            assertThat(f.filename()).isEqualTo("meeting.wav");
            assertThat(f.bytes()).isEqualTo(audio.length);
            assertThat(f.sha256()).isEqualTo(digest);
        });
        assertThat(received.fields()).containsEntry("model", "whisper-1").containsEntry("language", "en")
                .containsEntry("response_format", "verbose_json");
        assertThat(awaitRecord(requestId).costMicros()).isEqualTo(6_200); // ceil(62 s × 6,000 µ$ / 60)

        // The first target fails twice (its retry too): the same file goes to the mock, which reads its WAV header (4 s).
        fake.failNext(2, 503);
        int before = fake.received().size();
        String fallback = "stt-" + System.nanoTime();
        var json = client.audio().transcriptions().create(TranscriptionCreateParams.builder().model("whisper-1").file(file)
                .putAdditionalHeader("x-request-id", fallback).build());
        assertThat(json.asTranscription().text()).isEqualTo("Mock transcript of meeting.wav: 4 seconds of audio.");
        assertThat(fake.received()).hasSize(before + 2);
        assertThat(fake.received().getLast().files().getFirst().sha256()).isEqualTo(digest);
        RequestRecord record = awaitRecord(fallback);
        assertThat(record.provider()).isEqualTo("mock");
        assertThat(record.costMicros()).isEqualTo(400); // 4 s from the WAV header: ceil(4 × 6,000 / 60)
    }

    @Test
    void anImageEditReachesOpenAiWithItsImageMaskAndPrompt() throws Exception {
        byte[] png = MediaSamples.png(11, 24);
        Path image = Files.write(dir.resolve("photo.png"), png);
        ImagesResponse edited = client.images().edit(com.openai.models.images.ImageEditParams.builder().model("dall-e-3")
                .image(image).mask(image).prompt("add a moon").n(2).build());
        assertThat(edited.data().orElseThrow()).hasSize(2);
        FakeOpenAiMedia.Received sent = fake.received().getLast();
        assertThat(sent.operation()).isEqualTo("images/edits");
        assertThat(sent.fields()).containsEntry("prompt", "add a moon").containsEntry("n", "2").containsEntry("model", "dall-e-3");
        assertThat(sent.files()).extracting(FakeOpenAiMedia.ReceivedFile::field).containsExactlyInAnyOrder("image", "mask");
        assertThat(sent.files()).allSatisfy(f -> assertThat(f.bytes()).isEqualTo(png.length));
    }

    @Test
    void speechGoesToAnAzureDeploymentAndIsChargedPerCharacter() throws Exception {
        String requestId = "tts-" + System.nanoTime();
        String input = "Twenty characters!!!";
        try (HttpResponse speech = client.audio().speech().create(SpeechCreateParams.builder().model("tts-1").input(input)
                .voice("nova").putAdditionalHeader("x-request-id", requestId).build())) {
            assertThat(speech.body().readAllBytes()).isEqualTo(MediaSamples.wav(input.hashCode() + 1, 1500));
        }
        FakeOpenAiMedia.Received sent = fake.received().getLast();
        assertThat(sent.operation()).isEqualTo("audio/speech");
        assertThat(sent.model()).isEqualTo("my-tts-deployment");
        RequestRecord record = awaitRecord(requestId);
        assertThat(record.endpoint()).isEqualTo("audio_speech");
        assertThat(record.stream()).isTrue();
        assertThat(record.costMicros()).isEqualTo(300); // 20 characters at $15 per million
    }

    @Test
    void aBudgetRefusesAnImageItCannotCoverBeforeTheProviderIsCalled() throws Exception {
        JsonNode budget = JSON.readTree(gateway.post("/admin/v1/budgets",
                "{\"scope\":\"org\",\"period\":\"month\",\"limit_micros\":50000,\"name\":\"images\"}").body());
        try {
            int before = fake.received().size();
            assertThatThrownBy(() -> client.images().generate(ImageGenerateParams.builder().model("dall-e-3").prompt("two")
                    .n(2).build())).isInstanceOf(RateLimitException.class).hasMessageContaining("does not cover this request");
            assertThat(fake.received()).hasSize(before);
        } finally {
            gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/admin/v1/budgets/" + budget.get("id").asText()))
                    .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).DELETE());
        }
    }

    @Test
    void policiesGovernMediaModelsAndEndpointsAsTheyDoChat() throws Exception {
        String team = master.ok("POST", "/teams", "{\"name\":\"media-team\"}").text("id");
        String svc = master.ok("POST", "/service-accounts", "{\"name\":\"media-bot\",\"team_id\":\"" + team + "\"}").text("id");
        String key = master.ok("POST", "/keys", "{\"owner_id\":\"" + svc + "\"}").text("key");
        String policy = master.ok("POST", "/policies", "{\"name\":\"no pictures\",\"models\":[\"whisper-1\",\"omni-moderation-latest\"],"
                + "\"endpoints\":[\"moderations\",\"audio.transcriptions\"]}").text("id");
        master.ok("POST", "/policies/" + policy + "/attachments", "{\"subject_type\":\"team\",\"subject_id\":\"" + team + "\"}");
        OpenAIClient restricted = sdk(key);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Throwable denied = null;
        while (System.nanoTime() < deadline) {
            try {
                restricted.images().generate(ImageGenerateParams.builder().model("dall-e-3").prompt("x").build());
            } catch (PermissionDeniedException | NotFoundException e) {
                denied = e;
                break;
            }
            Thread.sleep(100);
        }
        assertThat(denied).isNotNull().hasMessageContaining("no pictures");
        assertThat(restricted.moderations().create(ModerationCreateParams.builder().input("hello").build()).results()).hasSize(1);
    }

    @Test
    void metricsCountMediaCallsByEndpoint() {
        client.moderations().create(ModerationCreateParams.builder().input("count me").build());
        String metrics = gateway.get("/metrics").body();
        assertThat(metrics).containsPattern("gatehouse_requests_total\\{[^}]*endpoint=\"moderations\"");
        assertThat(metrics).contains("gen_ai_operation_name=\"moderation\"");
    }

    static RequestRecord awaitRecord(String requestId) throws InterruptedException {
        RequestLogStore store = gateway.gatehouse().requestLogging().store();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            RequestRecord r = store.find(requestId);
            if (r != null) {
                return r;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no request log record for " + requestId);
    }
}
