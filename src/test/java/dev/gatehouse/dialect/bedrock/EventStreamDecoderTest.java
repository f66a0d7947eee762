package dev.gatehouse.dialect.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

/** Our event-stream decoder against frames encoded by the AWS SDK's own eventstream module. */
class EventStreamDecoderTest {

    static Buffer frame(String eventType, String payload) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":event-type", HeaderValue.fromString(eventType));
        headers.put(":message-type", HeaderValue.fromString("event"));
        headers.put("flag", HeaderValue.fromBoolean(true));
        headers.put("count", HeaderValue.fromInteger(7));
        headers.put("at", HeaderValue.fromTimestamp(java.time.Instant.EPOCH));
        headers.put("bytes", HeaderValue.fromByteArray(new byte[] {1, 2, 3}));
        ByteBuffer b = new Message(headers, payload.getBytes(StandardCharsets.UTF_8)).toByteBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return Buffer.buffer(out);
    }

    @Test
    void decodesFramesSplitAtEveryPossibleOffset() {
        Buffer all = Buffer.buffer().appendBuffer(frame("messageStart", "{\"role\":\"assistant\"}"))
                .appendBuffer(frame("contentBlockDelta", "{\"delta\":{\"text\":\"héllo\"}}"));
        for (int split = 0; split <= all.length(); split++) {
            EventStreamDecoder decoder = new EventStreamDecoder();
            List<EventStreamDecoder.Frame> frames = new ArrayList<>();
            decoder.feed(all.getBuffer(0, split), frames::add);
            decoder.feed(all.getBuffer(split, all.length()), frames::add);
            assertThat(frames).hasSize(2);
            assertThat(frames.get(0).header(":event-type")).isEqualTo("messageStart");
            assertThat(frames.get(1).payloadText()).isEqualTo("{\"delta\":{\"text\":\"héllo\"}}");
            assertThat(frames.get(1).header(":message-type")).isEqualTo("event");
            assertThat(decoder.pendingBytes()).isZero();
        }
    }

    @Test
    void decodesByteByByte() {
        Buffer all = frame("metadata", "{\"usage\":{}}");
        EventStreamDecoder decoder = new EventStreamDecoder();
        List<EventStreamDecoder.Frame> frames = new ArrayList<>();
        for (int i = 0; i < all.length(); i++) {
            decoder.feed(all.getBuffer(i, i + 1), frames::add);
        }
        assertThat(frames).extracting(f -> f.header(":event-type")).containsExactly("metadata");
    }

    @Test
    void aFlippedBitFailsTheCrc() {
        Buffer good = frame("contentBlockDelta", "{\"delta\":{\"text\":\"hi\"}}");
        Random random = new Random(17);
        for (int i = 0; i < 200; i++) {
            Buffer bad = good.copy();
            int at = random.nextInt(bad.length());
            bad.setByte(at, (byte) (bad.getByte(at) ^ (1 << random.nextInt(8))));
            EventStreamDecoder decoder = new EventStreamDecoder();
            List<EventStreamDecoder.Frame> frames = new ArrayList<>();
            try {
                decoder.feed(bad, frames::add);
                // A flipped bit in the total length may only make the decoder wait for more bytes.
                assertThat(frames).isEmpty();
            } catch (EventStreamDecoder.CorruptStream expected) {
                assertThat(expected.getMessage()).containsAnyOf("CRC", "length");
            }
        }
    }

    @Test
    void anImpossibleLengthIsRefusedBeforeBuffering() {
        Buffer prelude = Buffer.buffer().appendInt(Integer.MAX_VALUE).appendInt(0);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(prelude.getBytes());
        prelude.appendUnsignedInt(crc.getValue());
        assertThatThrownBy(() -> new EventStreamDecoder().feed(prelude, f -> { }))
                .isInstanceOf(EventStreamDecoder.CorruptStream.class).hasMessageContaining("impossible");
    }
}
