package dev.gatehouse.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The answer cache meets the guardrails. Input guardrails run before the lookup; an answer that
 * goes through an output filter (output guardrails, or masked values restored) is never stored or
 * served from the cache. Otherwise two prompts that differ only in a masked e-mail address would
 * share one key (the masked body) and the second caller would get the first caller's restored address.
 */
class CacheUnderGuardrailsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static FakeOpenAi openai;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        openai = FakeOpenAi.start();
        // The fake answers with what it received, so the caller sees what the upstream saw (restored).
        openai.onRequest(json -> {
            JsonNode messages = json == null ? null : json.get("messages");
            if (messages != null && !messages.isEmpty()) {
                openai.answer("You said: " + messages.get(messages.size() - 1).path("content").asText());
            }
        });
        gateway = GatewayHarness.start("""
                providers:
                  oa: {kind: openai, base-url: "%s", api-key: %s}
                models:
                  restored: {targets: [{provider: oa, model: gpt-4o}]}
                  masked: {targets: [{provider: oa, model: gpt-4o}]}
                  screened: {targets: [{provider: oa, model: gpt-4o}]}
                guardrails:
                  pii-restore: {type: pii, action: mask, restore: true, apply-to: {models: [restored]}}
                  pii-mask: {type: pii, action: mask, apply-to: {models: [masked]}}
                  secrets-out: {type: secrets, stage: output, apply-to: {models: [screened]}}
                cache:
                  enabled: true
                """.formatted(openai.baseUrl(), FakeOpenAi.DEFAULT_KEY));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        openai.close();
    }

    static HttpResponse<String> chat(String model, String content) {
        return gateway.post("/v1/chat/completions", """
                {"model":"%s","messages":[{"role":"user","content":%s}]}""".formatted(model, JSON.valueToTree(content)));
    }

    static String text(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).at("/choices/0/message/content").asText();
    }

    @Test
    void restoredAnswersAreNeverSharedBetweenPromptsThatMaskTheSame() throws Exception {
        HttpResponse<String> alice = chat("restored", "Write to alice@example.com about the invoice.");
        HttpResponse<String> bob = chat("restored", "Write to bob@example.org about the invoice.");
        assertThat(alice.statusCode()).isEqualTo(200);
        assertThat(bob.statusCode()).isEqualTo(200);
        assertThat(text(alice)).contains("alice@example.com");
        assertThat(text(bob)).contains("bob@example.org").doesNotContain("alice");
        assertThat(bob.headers().firstValue("x-gatehouse-cache")).isEmpty();
    }

    @Test
    void answersUnderOutputGuardrailsAreNotCached() {
        HttpResponse<String> first = chat("screened", "Tell me a short story about a lighthouse.");
        HttpResponse<String> second = chat("screened", "Tell me a short story about a lighthouse.");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.headers().firstValue("x-gatehouse-cache")).isEmpty();
    }

    @Test
    void maskedPromptsWithoutRestoreAreCachedUnderTheirMaskedForm() throws Exception {
        HttpResponse<String> first = chat("masked", "Mail carol@example.net the minutes.");
        HttpResponse<String> second = chat("masked", "Mail dave@example.net the minutes.");
        assertThat(first.headers().firstValue("x-gatehouse-cache")).hasValue("MISS");
        // The upstream saw the same masked prompt, so the stored answer is the same placeholder text.
        assertThat(second.headers().firstValue("x-gatehouse-cache")).hasValue("HIT");
        assertThat(text(second)).doesNotContain("carol").doesNotContain("dave").contains("<EMAIL_1>");
    }
}
