package dev.gatehouse.api.media;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.FakeOpenAiMedia;
import dev.gatehouse.testing.GatewayHarness;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A 200 MB audio upload streams through the gateway to the provider without growing the heap by
 * more than a few MB: the gateway spools it (encrypted) to disk as it arrives and streams it from
 * there to the upstream. The heap is measured after a full collection every 200 ms while the
 * upload runs (the live set, not garbage waiting to be collected), against the same measure before.
 * The figure is printed; docs/performance.md records it.
 */
class UploadHeapTest {
    static final long SIZE = 200L * 1024 * 1024;
    /**
     * The bound on live-heap growth while the upload passes: an upload held in memory, even in
     * part, grows it by a sizeable share of 200 MB. The heap measured is the whole test JVM's, so
     * the bound leaves room for what other parts of the suite keep alive meanwhile (8 MB was
     * exceeded, at 13 MB, on a busy machine).
     */
    static final long MAX_GROWTH = 32L * 1024 * 1024;

    @Test
    void aTwoHundredMegabyteUploadStreamsThroughWithinAFewMegabytesOfHeap() throws Exception {
        try (FakeOpenAiMedia fake = FakeOpenAiMedia.start();
                GatewayHarness gateway = GatewayHarness.start("""
                        server: {max-upload-size: 256MiB, request-timeout: 120s}
                        providers:
                          fake: {kind: openai, base-url: "%s", api-key: %s, timeouts: {first-byte: 120s, total: 180s}}
                        routing: {deadline: 180s}
                        models:
                          whisper-1: {type: transcription, targets: [{provider: fake}]}

                        """.formatted(fake.baseUrl(), FakeOpenAiMedia.KEY))) {
            String boundary = "heap-test-boundary";
            byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--" + boundary
                    + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"long.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\n").getBytes();
            byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes();
            // The body is written to disk first and sent by curl in another process, so the heap
            // measured here is the gateway's (and the fake upstream's) alone, not the client's.
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            Path body = Files.createTempFile("upload-heap-", ".multipart");
            try (var out = Files.newOutputStream(body); InputStream file = new Generated(SIZE, sent)) {
                out.write(head);
                file.transferTo(out);
                out.write(tail);
            }
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            long baseline = liveHeap(memory);
            AtomicLong peak = new AtomicLong(baseline);
            AtomicBoolean running = new AtomicBoolean(true);
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (running.get()) {
                    long now = liveHeap(memory);
                    peak.accumulateAndGet(now, Math::max);
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            long start = System.nanoTime();
            Path answer = Files.createTempFile("upload-heap-", ".json");
            int status;
            try {
                Process curl = new ProcessBuilder("curl", "-s", "-o", answer.toString(), "-w", "%{http_code}", "--max-time", "180",
                        "-H", "Authorization: Bearer " + GatewayHarness.MASTER_KEY,
                        "-H", "Content-Type: multipart/form-data; boundary=" + boundary,
                        "--data-binary", "@" + body, gateway.baseUrl() + "/audio/transcriptions").start();
                status = Integer.parseInt(new String(curl.getInputStream().readAllBytes()).trim());
                curl.waitFor();
            } finally {
                running.set(false);
                sampler.join();
                Files.deleteIfExists(body);
            }
            String responseBody = Files.readString(answer);
            Files.deleteIfExists(answer);
            long millis = (System.nanoTime() - start) / 1_000_000;
            long growth = peak.get() - baseline;
            System.out.printf("upload heap: %d MB through in %d ms; live heap before %.1f MB, peak %.1f MB, growth %.1f MB%n",
                    SIZE >> 20, millis, baseline / 1048576.0, peak.get() / 1048576.0, growth / 1048576.0);
            assertThat(status).as(responseBody).isEqualTo(200);
            assertThat(new ObjectMapper().readTree(responseBody).path("text").asText()).isEqualTo("Fake transcript of " + SIZE + " bytes.");
            FakeOpenAiMedia.ReceivedFile received = fake.received().getLast().files().getFirst();
            assertThat(received.bytes()).isEqualTo(SIZE);
            assertThat(received.sha256()).isEqualTo(HexFormat.of().formatHex(sent.digest()));

            assertThat(growth).as("live heap growth while a 200 MB upload passes").isLessThan(MAX_GROWTH);
        }
    }

    private static long liveHeap(MemoryMXBean memory) {
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** {@code size} pseudo-random bytes, hashed as they are read, never held. */
    static final class Generated extends InputStream {
        private final SplittableRandom random = new SplittableRandom(42);
        private final MessageDigest digest;
        private long left;

        Generated(long size, MessageDigest digest) {
            this.left = size;
            this.digest = digest;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) random.nextInt(256);
            }
            digest.update(b, off, n);
            left -= n;
            return n;
        }
    }
}
