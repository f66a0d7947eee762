package dev.gatehouse.fuzz;

import dev.gatehouse.api.anthropic.AnthropicMessagesScan;
import dev.gatehouse.api.openai.OpenAiChatScan;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.anthropic.AnthropicRequestDecoder;
import dev.gatehouse.dialect.openai.OpenAiChatDecoder;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsDecoder;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsScan;
import dev.gatehouse.testing.Fuzz;
import dev.gatehouse.testing.Mutator;
import dev.gatehouse.testing.Seeds;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Mutated requests straight into the caller-facing scanners and decoders: each either accepts the
 * body or refuses it with a 4xx {@link GatewayException}, never another exception, a 5xx or a hang.
 */
class RequestParsersFuzzTest {
    private static final Duration BOUND = Duration.ofSeconds(5);

    @Test
    void openAiChatScanAndDecoder() {
        fuzz("OpenAI chat", Seeds.OPENAI_CHAT, body -> {
            clean(() -> OpenAiChatScan.scan(body));
            clean(() -> OpenAiChatDecoder.decode(body));
        });
    }

    @Test
    void anthropicMessagesScanAndDecoder() {
        fuzz("Anthropic messages", Seeds.ANTHROPIC_MESSAGES, body -> {
            boolean requireMaxTokens = body.length() % 2 == 0; // /v1/messages and count_tokens
            clean(() -> AnthropicMessagesScan.scan(body, requireMaxTokens));
            clean(() -> AnthropicRequestDecoder.decode(body, requireMaxTokens));
        });
    }

    @Test
    void embeddingsScanAndDecoder() {
        fuzz("OpenAI embeddings", Seeds.EMBEDDINGS, body -> {
            clean(() -> OpenAiEmbeddingsScan.scan(body));
            clean(() -> OpenAiEmbeddingsDecoder.decode(body));
        });
    }

    private static void fuzz(String target, List<String> seeds, Consumer<Buffer> parse) {
        Fuzz.run(target, Fuzz.tries(4), BOUND, c -> {
            byte[] seed = seeds.get(c.random().nextInt(seeds.size())).getBytes(StandardCharsets.UTF_8);
            parse.accept(Buffer.buffer(c.input(Mutator.mutate(seed, c.random()))));
        });
    }

    /** Success, or a refusal in the caller's terms: a 4xx GatewayException. */
    static void clean(Runnable parse) {
        try {
            parse.run();
        } catch (GatewayException e) {
            if (e.status() < 400 || e.status() > 499) {
                throw new AssertionError("refused with status " + e.status() + ": " + e.getMessage(), e);
            }
        }
    }
}
