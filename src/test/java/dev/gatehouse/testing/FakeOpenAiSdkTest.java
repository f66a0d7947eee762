package dev.gatehouse.testing;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official SDK must accept the fake's answers: a cross-check that the shapes are the real ones. */
@Timeout(30)
class FakeOpenAiSdkTest {

    private static FakeOpenAi fake;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        fake = FakeOpenAi.start();
        client = OpenAIOkHttpClient.builder().baseUrl(fake.baseUrl()).apiKey(FakeOpenAi.DEFAULT_KEY)
                .maxRetries(0).timeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset().chunkDelay(Duration.ofMillis(1));
    }

    private static ChatCompletionCreateParams.Builder hello() {
        return ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("Hi");
    }

    @Test
    void sdkParsesACompletion() {
        ChatCompletion c = client.chat().completions().create(hello().build());

        assertThat(c.choices().getFirst().message().content()).hasValue(FakeOpenAi.DEFAULT_ANSWER);
        assertThat(c.usage().orElseThrow().totalTokens()).isEqualTo(19);
        assertThat(fake.lastRequest().json().get("model").asText()).isEqualTo("gpt-4o");
    }

    @Test
    void sdkParsesAStreamWithUsage() {
        fake.usage(5, 6, 0, 0);
        StringBuilder text = new StringBuilder();
        long usageTotal = -1;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                hello().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            for (ChatCompletionChunk chunk : stream.stream().toList()) {
                chunk.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
                if (chunk.usage().isPresent()) usageTotal = chunk.usage().get().totalTokens();
            }
        }
        assertThat(text.toString()).isEqualTo(FakeOpenAi.DEFAULT_ANSWER);
        assertThat(usageTotal).isEqualTo(11);
    }

    @Test
    void sdkParsesEmbeddingsInItsDefaultEncoding() {
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").input("hello world").build());

        List<Float> v = r.data().getFirst().embedding();
        assertThat(v).hasSize(8);
        assertThat(r.usage().promptTokens()).isEqualTo(2);
    }

    @Test
    void sdkMapsFaultsToItsExceptions() {
        fake.failNext(1, Fault.rateLimited(1)).failNext(1, Fault.contextLengthExceeded());

        assertThatThrownBy(() -> client.chat().completions().create(hello().build()))
                .isInstanceOf(RateLimitException.class);
        assertThatThrownBy(() -> client.chat().completions().create(hello().build()))
                .isInstanceOf(BadRequestException.class)
                .satisfies(e -> assertThat(((BadRequestException) e).code()).hasValue("context_length_exceeded"));
    }
}
