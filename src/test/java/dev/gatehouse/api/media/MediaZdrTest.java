package dev.gatehouse.api.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.PermissionDeniedException;
import com.openai.models.audio.transcriptions.TranscriptionCreateParams;
import com.openai.models.images.ImageGenerateParams;
import dev.gatehouse.dialect.mock.MediaSamples;
import dev.gatehouse.testing.FakeOpenAiMedia;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.usage.RequestRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero data retention on media: calls go only to providers marked {@code zdr: true}, no body is
 * kept in the request log, and an upload leaves no readable file behind.
 */
class MediaZdrTest {
    static FakeOpenAiMedia fake;
    static GatewayHarness gateway;
    static OpenAIClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        fake = FakeOpenAiMedia.start();
        gateway = GatewayHarness.start("""
                zdr: {enabled: true}
                providers:
                  fake: {kind: openai, base-url: "%s", api-key: %s}
                  private: {kind: mock, zdr: true}
                models:
                  whisper-1: {type: transcription, targets: [{provider: fake}, {provider: private}]}
                  dall-e-3: {type: image, targets: [{provider: fake}]}
                """.formatted(fake.baseUrl(), FakeOpenAiMedia.KEY));
        client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(20)).maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        fake.close();
    }

    @Test
    void uploadsGoOnlyToZeroRetentionProvidersAndLeaveNoFileOrBody() throws Exception {
        long spooledBefore = spoolFiles();
        Path audio = Files.write(dir.resolve("secret.wav"), MediaSamples.wav(9, 2000));
        String requestId = "zdr-" + System.nanoTime();
        var transcript = client.audio().transcriptions().create(TranscriptionCreateParams.builder().model("whisper-1").file(audio)
                .putAdditionalHeader("x-request-id", requestId).build());
        assertThat(transcript.asTranscription().text()).startsWith("Mock transcript of secret.wav");
        assertThat(fake.received()).isEmpty(); // the provider without zdr: true never saw it

        RequestRecord record = awaitRecord(requestId);
        assertThat(record.provider()).isEqualTo("private");
        assertThat(record.bodies()).isNull();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (spoolFiles() > spooledBefore && System.nanoTime() < deadline) {
            Thread.sleep(20); // deleted as the call ends, asynchronously
        }
        assertThat(spoolFiles()).isEqualTo(spooledBefore); // the encrypted spool file is gone with the call
    }

    @Test
    void aMediaModelWithoutAZeroRetentionProviderIsRefused() {
        assertThatThrownBy(() -> client.images().generate(ImageGenerateParams.builder().model("dall-e-3").prompt("x").build()))
                .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("Zero data retention applies");
        assertThat(fake.received()).isEmpty();
    }

    private static long spoolFiles() throws Exception {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(p -> p.getFileName().toString().startsWith("gatehouse-upload-")).count();
        }
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
