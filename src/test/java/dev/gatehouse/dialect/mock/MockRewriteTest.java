package dev.gatehouse.dialect.mock;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The mock's offline query rewrite: deterministic, question words and filler dropped. */
class MockRewriteTest {
    @Test
    void dropsQuestionWordsFillerPunctuationAndRepeats() {
        assertThat(MockAnswers.rewrite("Could you please tell me what the secret lantern code is?")).isEqualTo("secret lantern code");
        assertThat(MockAnswers.rewrite("Who opens the greenhouse, and when does the greenhouse open?"))
                .isEqualTo("opens greenhouse open");
        assertThat(MockAnswers.rewrite("Is SILVER-MOTH-5150 the code?")).isEqualTo("silver-moth-5150 code");
        assertThat(MockAnswers.rewrite("What is it?")).as("nothing but stop words: kept as asked").isEqualTo("what is it");
        assertThat(MockAnswers.rewrite("Où est la clé?")).isEqualTo("où est la clé");
    }
}
