package dev.gatehouse.api.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.audio.AudioResponseFormat;
import com.openai.models.audio.speech.SpeechCreateParams;
import com.openai.models.audio.transcriptions.TranscriptionCreateParams;
import com.openai.models.audio.transcriptions.TranscriptionCreateResponse;
import com.openai.models.audio.translations.TranslationCreateParams;
import com.openai.models.images.ImageCreateVariationParams;
import com.openai.models.images.ImageEditParams;
import com.openai.models.images.ImageGenerateParams;
import com.openai.models.images.ImagesResponse;
import com.openai.models.moderations.ModerationCreateParams;
import com.openai.models.moderations.ModerationCreateResponse;
import dev.gatehouse.dialect.mock.MediaSamples;
import dev.gatehouse.testing.GatewayHarness;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official openai-java SDK against the gateway's demo-style configuration (the mock provider
 * behind every media model): images, audio and moderation answer through routed, logged calls.
 */
class MediaSdkTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static GatewayHarness gateway;
    static OpenAIClient client;

    static final String CONFIG = """
            server: {max-upload-size: 1MiB}
            providers:
              mock: {kind: mock, mock: {chunk-delay: 1ms}}
            models:
              gpt-4o-mini: {targets: [{provider: mock}]}
              dall-e-3: {type: image, targets: [{provider: mock}]}
              dall-e-2: {type: image, targets: [{provider: mock}]}
              whisper-1: {type: transcription, targets: [{provider: mock}]}
              tts-1: {type: speech, targets: [{provider: mock}]}
              omni-moderation-latest: {type: moderation, targets: [{provider: mock}]}
            """;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        gateway = GatewayHarness.start(CONFIG);
        client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(20)).maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void generatesImagesAsBase64OrUrl() {
        ImagesResponse b64 = client.images().generate(ImageGenerateParams.builder().model("dall-e-3").prompt("a lighthouse")
                .n(2).responseFormat(ImageGenerateParams.ResponseFormat.B64_JSON).build());
        assertThat(b64.data().orElseThrow()).hasSize(2);
        byte[] png = Base64.getDecoder().decode(b64.data().orElseThrow().getFirst().b64Json().orElseThrow());
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');

        ImagesResponse url = client.images().generate(ImageGenerateParams.builder().model("dall-e-3").prompt("a lighthouse").build());
        assertThat(url.data().orElseThrow().getFirst().url().orElseThrow()).startsWith("data:image/png;base64,");
    }

    @Test
    void editsAndVariesAnUploadedImage() throws IOException {
        Path image = Files.write(dir.resolve("in.png"), MediaSamples.png(7, 16));
        ImagesResponse edited = client.images().edit(ImageEditParams.builder().model("dall-e-2").image(image).mask(image)
                .prompt("add a boat").n(1).responseFormat(ImageEditParams.ResponseFormat.B64_JSON).build());
        assertThat(edited.data().orElseThrow()).hasSize(1);
        ImagesResponse varied = client.images().createVariation(ImageCreateVariationParams.builder().model("dall-e-2").image(image)
                .n(3).build());
        assertThat(varied.data().orElseThrow()).hasSize(3);
    }

    @Test
    void transcribesInEveryResponseFormat() throws IOException {
        Path audio = Files.write(dir.resolve("call.wav"), MediaSamples.wav(1, 3000));
        TranscriptionCreateResponse json = client.audio().transcriptions().create(TranscriptionCreateParams.builder()
                .model("whisper-1").file(audio).build());
        assertThat(json.asTranscription().text()).isEqualTo("Mock transcript of call.wav: 3 seconds of audio.");

        TranscriptionCreateResponse verbose = client.audio().transcriptions().create(TranscriptionCreateParams.builder()
                .model("whisper-1").file(audio).responseFormat(AudioResponseFormat.VERBOSE_JSON).build());
        assertThat(verbose.asVerbose().duration()).isEqualTo(3.0);

        assertThat(raw("audio/transcriptions", audio, "text")).isEqualTo("Mock transcript of call.wav: 3 seconds of audio.\n");
        assertThat(raw("audio/transcriptions", audio, "srt")).startsWith("1\n00:00:00,000 --> 00:00:03,000\nMock transcript");
        assertThat(raw("audio/transcriptions", audio, "vtt")).startsWith("WEBVTT\n\n00:00:00.000 --> 00:00:03.000\n");
    }

    @Test
    void translates() throws IOException {
        Path audio = Files.write(dir.resolve("talk.wav"), MediaSamples.wav(2, 2000));
        var translation = client.audio().translations().create(TranslationCreateParams.builder().model("whisper-1").file(audio).build());
        assertThat(translation.asTranslation().text()).isEqualTo("Mock translation of talk.wav: 2 seconds of audio.");
    }

    @Test
    void speaksAndStreamsTheAudioBack() throws IOException {
        try (HttpResponse speech = client.audio().speech().create(SpeechCreateParams.builder().model("tts-1")
                .input("Hello from the gateway").voice("alloy").build())) {
            byte[] audio = speech.body().readAllBytes();
            assertThat(audio).startsWith('R', 'I', 'F', 'F');
            assertThat(audio).isEqualTo(MediaSamples.wav("Hello from the gateway".hashCode(), 22 * 50));
            assertThat(speech.headers().values("content-type")).containsExactly("audio/wav");
        }
    }

    @Test
    void moderates() {
        ModerationCreateResponse calm = client.moderations().create(ModerationCreateParams.builder().input("a quiet walk").build());
        assertThat(calm.results().getFirst().flagged()).isFalse();
        ModerationCreateResponse flagged = client.moderations().create(ModerationCreateParams.builder()
                .model("omni-moderation-latest").inputOfStrings(List.of("fine", "I will hurt you")).build());
        assertThat(flagged.results()).hasSize(2);
        assertThat(flagged.results().get(1).flagged()).isTrue();
        assertThat(flagged.results().get(1).categories().violence()).isTrue();
    }

    @Test
    void theModelListTellsWhatEachModelAcceptsAndProduces() throws Exception {
        JsonNode models = JSON.readTree(gateway.get("/v1/models").body()).path("data");
        java.util.Map<String, JsonNode> facts = new java.util.HashMap<>();
        models.forEach(m -> facts.put(m.path("id").asText(), m.path("gatehouse")));
        assertThat(facts.get("whisper-1").path("type").asText()).isEqualTo("transcription");
        assertThat(facts.get("whisper-1").path("input").toString()).isEqualTo("[\"audio\"]");
        assertThat(facts.get("tts-1").path("output").toString()).isEqualTo("[\"audio\"]");
        assertThat(facts.get("dall-e-3").path("output").toString()).isEqualTo("[\"image\"]");
        assertThat(facts.get("omni-moderation-latest").path("type").asText()).isEqualTo("moderation");
        JsonNode chat = facts.get("gpt-4o-mini");
        assertThat(chat.path("input").toString()).isEqualTo("[\"text\",\"image\"]");
        assertThat(chat.path("capabilities").toString()).contains("tools", "json-schema");
        assertThat(chat.path("context_window").asInt()).isEqualTo(128000); // from the catalogue
        assertThat(chat.path("max_output_tokens").asInt()).isEqualTo(16384);
        // The SDK still reads the list.
        assertThat(client.models().list().data()).extracting(m -> m.id()).contains("whisper-1", "tts-1");
    }

    @Test
    void anUnknownModelIsNotFoundAsForChat() {
        assertThatThrownBy(() -> client.audio().speech().create(SpeechCreateParams.builder().model("no-such-voice-model")
                .input("hi").voice("alloy").build())).isInstanceOf(com.openai.errors.NotFoundException.class)
                .hasMessageContaining("no-such-voice-model");
    }

    @Test
    void aModelOfAnotherTypeIsRefused() {
        assertThatThrownBy(() -> client.images().generate(ImageGenerateParams.builder().model("gpt-4o-mini").prompt("x").build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("is a chat model; use it with POST /v1/chat/completions");
    }

    @Test
    void badUploadsGetClearErrorsInOpenAisShape() throws Exception {
        // No file at all.
        var missing = multipart("audio/transcriptions", List.of(part("model", "whisper-1")));
        assertThat(missing.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(missing.body()).path("error");
        assertThat(error.path("param").asText()).isEqualTo("file");
        assertThat(error.path("message").asText()).contains("Missing required parameter: 'file'");
        // A file of a kind OpenAI does not transcribe.
        var wrongKind = multipart("audio/transcriptions", List.of(part("model", "whisper-1"), file("file", "notes.txt", "hello".getBytes())));
        assertThat(wrongKind.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(wrongKind.body()).path("error").path("message").asText()).startsWith("Invalid file format.");
        // An image that is no image.
        var notAnImage = multipart("images/variations", List.of(part("model", "dall-e-2"), file("image", "x.png", "not a png".getBytes())));
        assertThat(notAnImage.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(notAnImage.body()).path("error").path("param").asText()).isEqualTo("image");
        // JSON where a form is expected.
        var json = gateway.post("/v1/audio/transcriptions", "{\"model\":\"whisper-1\"}");
        assertThat(json.statusCode()).isEqualTo(415);
        assertThat(JSON.readTree(json.body()).path("error").path("message").asText()).contains("multipart/form-data");
        // Larger than server.max-upload-size (1 MiB here).
        var large = multipart("audio/transcriptions", List.of(part("model", "whisper-1"), file("file", "big.wav", new byte[2 << 20])));
        assertThat(large.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(large.body()).path("error").path("message").asText()).contains("server.max-upload-size");
        // A speech request without a voice.
        var noVoice = gateway.post("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"hi\"}");
        assertThat(noVoice.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noVoice.body()).path("error").path("param").asText()).isEqualTo("voice");
    }

    private String raw(String operation, Path audio, String format) throws IOException {
        var response = multipart(operation, List.of(part("model", "whisper-1"), part("response_format", format),
                file("file", audio.getFileName().toString(), Files.readAllBytes(audio))));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    record Part(String name, String filename, byte[] bytes) {}

    static Part part(String name, String value) {
        return new Part(name, null, value.getBytes());
    }

    static Part file(String name, String filename, byte[] bytes) {
        return new Part(name, filename, bytes);
    }

    /** A multipart request written by hand, so tests can send what an SDK would refuse to. */
    static java.net.http.HttpResponse<String> multipart(String operation, List<Part> parts) {
        String boundary = "test-boundary-42";
        var out = new java.io.ByteArrayOutputStream();
        for (Part p : parts) {
            out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name() + "\""
                    + (p.filename() == null ? "" : "; filename=\"" + p.filename() + "\"\r\nContent-Type: application/octet-stream")
                    + "\r\n\r\n").getBytes());
            out.writeBytes(p.bytes());
            out.writeBytes("\r\n".getBytes());
        }
        out.writeBytes(("--" + boundary + "--\r\n").getBytes());
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/" + operation))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray())));
    }
}
