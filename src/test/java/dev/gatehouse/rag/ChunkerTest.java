package dev.gatehouse.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.pricing.TokenCounter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkerTest {
    static String words(int n) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            text.append("word").append(i).append(i % 17 == 16 ? ".\n" : " ");
        }
        return text.toString();
    }

    @Test
    void chunksStayWithinTheTokenLimitOverlapAndKeepExactOffsets() {
        String text = words(2000);
        List<Chunker.Chunk> chunks = Chunker.chunk(List.of(new TextExtractor.Section(3, text)), 100, 20, 1000);
        assertThat(chunks).hasSizeGreaterThan(10);
        for (int i = 0; i < chunks.size(); i++) {
            Chunker.Chunk c = chunks.get(i);
            assertThat(c.index()).isEqualTo(i);
            assertThat(c.page()).isEqualTo(3);
            assertThat(text.substring(c.start(), c.end())).isEqualTo(c.text());
            assertThat(TokenCounter.text(c.text())).isLessThanOrEqualTo(100 + 2);
            if (i > 0) {
                Chunker.Chunk previous = chunks.get(i - 1);
                assertThat(c.start()).as("moves forward").isGreaterThan(previous.start());
                assertThat(c.start()).as("overlaps the previous chunk").isLessThan(previous.end());
            }
        }
        assertThat(chunks.getFirst().start()).isZero();
        assertThat(chunks.getLast().end()).isEqualTo(text.stripTrailing().length());
    }

    @Test
    void noOverlapMeansChunksFollowEachOther() {
        String text = words(500);
        List<Chunker.Chunk> chunks = Chunker.chunk(List.of(new TextExtractor.Section(0, text)), 100, 0, 1000);
        for (int i = 1; i < chunks.size(); i++) {
            assertThat(chunks.get(i).start()).isGreaterThanOrEqualTo(chunks.get(i - 1).end());
        }
    }

    @Test
    void aLongRunWithoutSpacesIsCutAndNeverSplitsASurrogatePair() {
        String run = "\uD83D\uDE00".repeat(2000); // emoji, two chars each
        List<Chunker.Chunk> chunks = Chunker.chunk(List.of(new TextExtractor.Section(0, run)), 200, 0, 10_000);
        assertThat(chunks).hasSizeGreaterThan(1);
        for (Chunker.Chunk c : chunks) {
            assertThat(Character.isLowSurrogate(c.text().charAt(0))).isFalse();
            assertThat(Character.isHighSurrogate(c.text().charAt(c.text().length() - 1))).isFalse();
        }
    }

    @Test
    void tooManyChunksIsAClearError() {
        assertThatThrownBy(() -> Chunker.chunk(List.of(new TextExtractor.Section(0, words(5000))), 100, 50, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rag.max-chunks-per-file");
    }
}
