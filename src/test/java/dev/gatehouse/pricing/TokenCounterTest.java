package dev.gatehouse.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class TokenCounterTest {
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void aLongRunWithoutSpacesCostsMemoryInProportionToItsLength() {
        String run = "y".repeat(350_000);
        TokenCounter.text("warm up"); // loads the encoding's tables, which are not the case's cost
        long before = THREADS.getCurrentThreadAllocatedBytes();
        int tokens = TokenCounter.text(run);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        // Whole, this one call allocated 150 MB (430 bytes a character).
        assertThat(allocated).isLessThan(128L * run.length());
        assertThat(tokens).isBetween(run.length() / 16, run.length());
    }

    @Test
    void textWithWordsCountsTheSameCutIntoPiecesAsWhole() {
        StringBuilder words = new StringBuilder();
        for (int i = 0; words.length() < 3 * TokenCounter.PIECE; i++) {
            words.append("word").append(i % 97).append(i % 5 == 0 ? ".\n" : " ");
        }
        String text = words.toString();
        int whole = 0;
        for (String line : text.split("(?<=\n)")) {
            whole += TokenCounter.text(line);
        }
        assertThat(TokenCounter.text(text)).isEqualTo(whole);
    }

    @Test
    void piecesNeverSplitASurrogatePair() {
        String emoji = "\uD83D\uDE00".repeat(TokenCounter.PIECE);
        assertThat(TokenCounter.text(emoji)).isPositive();
        assertThat(TokenCounter.text("")).isZero();
        assertThat(TokenCounter.text(null)).isZero();
    }
}
