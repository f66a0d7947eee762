package dev.gatehouse.api.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WellFormedDataLineTest {
    private static boolean wellFormed(String line) {
        byte[] padded = ("xx" + line + "yy").getBytes(StandardCharsets.UTF_8); // checks respect the offsets
        return OpenAiJson.wellFormedDataLine(padded, 2, padded.length - 2);
    }

    @Test
    void acceptsWholeObjectsDoneAndNonDataLines() {
        assertThat(wellFormed("data: {\"choices\":[{\"delta\":{\"content\":\"a } ] \\\" {\"}}]}")).isTrue();
        assertThat(wellFormed("data:{\"a\":1}  ")).isTrue();
        assertThat(wellFormed("data: [DONE]")).isTrue();
        assertThat(wellFormed("")).isTrue();
        assertThat(wellFormed(": keep-alive")).isTrue();
        assertThat(wellFormed("event: message")).isTrue();
    }

    @Test
    void refusesTruncatedOrTrailingGarbage() {
        assertThat(wellFormed("data: {\"choices\":[{\"delta\":{\"content\":\"hel")).isFalse();
        assertThat(wellFormed("data: {\"a\":1}x")).isFalse();
        assertThat(wellFormed("data: [DONE")).isFalse();
        assertThat(wellFormed("data: ")).isFalse();
        assertThat(wellFormed("data: \"text\"")).isFalse();
    }
}
