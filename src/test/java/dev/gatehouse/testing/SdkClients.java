package dev.gatehouse.testing;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import java.time.Duration;

/**
 * The official SDKs pointed at a gateway under test: 20 s timeouts, and no retries, so a test sees
 * the gateway's first answer (a 429 stays a 429).
 */
public final class SdkClients {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private SdkClients() {}

    /** openai-java on the gateway's {@code /v1}. */
    public static OpenAIClient openAi(GatewayHarness gateway, String key) {
        return OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(key).timeout(TIMEOUT).maxRetries(0).build();
    }

    /** anthropic-java on the gateway's origin (it adds {@code /v1/messages} itself). */
    public static AnthropicClient anthropic(GatewayHarness gateway, String key) {
        return AnthropicOkHttpClient.builder().baseUrl(gateway.origin()).apiKey(key).timeout(TIMEOUT).maxRetries(0).build();
    }
}
