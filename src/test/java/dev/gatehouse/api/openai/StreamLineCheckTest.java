package dev.gatehouse.api.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The structural line check the passthrough relay relies on, done in the usage scanner's pass. */
class StreamLineCheckTest {
    private static int examine(String payload) {
        byte[] padded = ("xx" + payload + "yy").getBytes(StandardCharsets.UTF_8); // checks respect the offsets
        return OpenAiStreamUsageScanner.examine(padded, 2, padded.length - 2);
    }

    @Test
    void wholeObjectsAndDonePassAndSayWhetherTheyAreWorthParsing() {
        assertThat(examine("{\"choices\":[{\"delta\":{\"content\":\"a } ] \\\" {\"},\"finish_reason\":null}],\"usage\":null}"))
                .isZero();
        assertThat(examine("{\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}")).isEqualTo(1);
        assertThat(examine("{\"choices\":[],\"usage\":{\"prompt_tokens\":1}}  ")).isEqualTo(1);
        assertThat(examine("{\"error\" : {\"message\":\"x\"}}")).isEqualTo(1);
        assertThat(examine("{\"content\":\"\\\"usage\\\":{\"}")).isZero(); // a key inside a string is text
        assertThat(examine(" [DONE] ")).isZero();
    }

    @Test
    void truncatedOrTrailingGarbageIsMalformed() {
        assertThat(examine("{\"choices\":[{\"delta\":{\"content\":\"hel")).isEqualTo(2);
        assertThat(examine("{\"a\":\"ends with a backslash\\")).isEqualTo(2);
        assertThat(examine("{\"a\":1}x")).isEqualTo(2);
        assertThat(examine("{\"a\":{\"b\":1}")).isEqualTo(2);
        assertThat(examine("[DONE")).isEqualTo(2);
        assertThat(examine("")).isEqualTo(2);
        assertThat(examine("\"text\"")).isEqualTo(2);
    }

    @Test
    void scannerReportsTheFirstMalformedLineOnlyWhenChecking() {
        String stream = "data: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\n"
                + ": comment\nevent: x\n"
                + "data: {\"choices\":[{\"delta\":{\"content\":\"cut\n\n"
                + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}\n\n";
        OpenAiStreamUsageScanner checking = new OpenAiStreamUsageScanner(false).checkingLines();
        OpenAiStreamUsageScanner plain = new OpenAiStreamUsageScanner(false);
        for (int split = 1; split < stream.length(); split += 7) { // chunks split lines anywhere
            checking.feed(Buffer.buffer(stream.substring(split - 1, Math.min(stream.length(), split + 6))));
            plain.feed(Buffer.buffer(stream.substring(split - 1, Math.min(stream.length(), split + 6))));
        }
        assertThat(checking.malformedLine()).startsWith("data: {\"choices\":[{\"delta\":{\"content\":\"cut");
        assertThat(plain.malformedLine()).isNull();
        assertThat(checking.usage().totalTokens()).isEqualTo(7);
        assertThat(plain.usage().totalTokens()).isEqualTo(7);
    }
}
