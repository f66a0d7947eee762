package dev.gatehouse.api.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** What a passthrough stream keeps for a continuation is bounded, and still tells what was delivered. */
class DeliveredLogTest {
    static Buffer chunk(String text) {
        return Buffer.buffer("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"gpt-4o\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}\n\n");
    }

    @Test
    void aLongStreamIsHeldAsTextNotAsItsChunks() {
        DeliveredLog log = new DeliveredLog();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 50_000; i++) { // ~7 MB of SSE, 200 KB of text
            log.add(chunk("w" + (i % 10) + " "));
            expected.append("w").append(i % 10).append(' ');
            assertThat(log.heldBytes()).isLessThan(DeliveredLog.FOLD_BYTES);
        }
        ForwardedChunks delivered = log.delivered();
        assertThat(log.complete()).isTrue();
        assertThat(delivered.delivered().text()).isEqualTo(expected.toString());
        assertThat(delivered.id()).isEqualTo("chatcmpl-1");
        assertThat(delivered.created()).isEqualTo(7);
    }

    @Test
    void pastTheTextBoundTheStreamIsNoLongerResumable() {
        DeliveredLog log = new DeliveredLog();
        String words = "lorem ipsum ".repeat(1000);
        for (int i = 0; i * words.length() <= DeliveredLog.MAX_TEXT_CHARS + 2 * DeliveredLog.FOLD_BYTES; i++) {
            log.add(chunk(words));
        }
        assertThat(log.complete()).isFalse();
        assertThat(log.heldBytes()).isZero();
        log.add(chunk("more"));
        assertThat(log.heldBytes()).as("nothing more is kept").isZero();
    }
}
