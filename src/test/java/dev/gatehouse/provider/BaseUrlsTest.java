package dev.gatehouse.provider;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BaseUrlsTest {

    @Test
    void geminiGetsItsVersionWhenTheUrlHasNone() {
        assertThat(BaseUrls.withVersion("https://generativelanguage.googleapis.com", "v1beta"))
                .isEqualTo("https://generativelanguage.googleapis.com/v1beta");
        assertThat(BaseUrls.withVersion("https://generativelanguage.googleapis.com/", "v1beta"))
                .isEqualTo("https://generativelanguage.googleapis.com/v1beta");
        assertThat(BaseUrls.withVersion("https://generativelanguage.googleapis.com/v1beta/", "v1beta"))
                .isEqualTo("https://generativelanguage.googleapis.com/v1beta");
        assertThat(BaseUrls.withVersion("https://generativelanguage.googleapis.com/v1", "v1beta"))
                .as("another version is the operator's choice").isEqualTo("https://generativelanguage.googleapis.com/v1");
        assertThat(BaseUrls.withVersion("https://proxy.example/google", "v1beta")).isEqualTo("https://proxy.example/google/v1beta");
    }

    @Test
    void openAiGetsV1OnlyOnABareHost() {
        assertThat(BaseUrls.withVersionIfBare("http://localhost:11434", "v1")).isEqualTo("http://localhost:11434/v1");
        assertThat(BaseUrls.withVersionIfBare("https://api.openai.com/", "v1")).isEqualTo("https://api.openai.com/v1");
        assertThat(BaseUrls.withVersionIfBare("https://api.openai.com/v1", "v1")).isEqualTo("https://api.openai.com/v1");
        assertThat(BaseUrls.withVersionIfBare("https://api.groq.com/openai/v1", "v1")).isEqualTo("https://api.groq.com/openai/v1");
        assertThat(BaseUrls.withVersionIfBare("https://proxy.example/openai", "v1"))
                .as("a path is ambiguous: left as given").isEqualTo("https://proxy.example/openai");
    }

    @Test
    void somethingThatIsNotAUrlIsLeftToValidation() {
        assertThat(BaseUrls.withVersion("not a url", "v1beta")).isEqualTo("not a url");
        assertThat(BaseUrls.withVersionIfBare("localhost:8080", "v1")).isEqualTo("localhost:8080");
    }
}
