package dev.gatehouse.dialect.vertex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeGemini;
import dev.gatehouse.testing.FakeVertex;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.RecordedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The official SDKs → gateway → a fake Vertex AI (OAuth token endpoint checking the service
 * account's signed JWT, bearer tokens checked on every call) in front of the strict Gemini and
 * Anthropic fakes.
 */
class VertexSdkTest {
    static final String PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    static FakeGemini gemini;
    static FakeAnthropic claude;
    static FakeVertex vertex;
    static GatewayHarness gateway;
    static OpenAIClient openai;
    static AnthropicClient anthropic;
    static Path keyFile;

    @BeforeAll
    static void start() throws Exception {
        gemini = FakeGemini.start();
        claude = FakeAnthropic.start();
        vertex = FakeVertex.start(gemini, claude);
        keyFile = Files.createTempFile("vertex-sa", ".json");
        Files.writeString(keyFile, vertex.serviceAccountJson());
        gateway = GatewayHarness.start("""
                providers:
                  gcp: {kind: vertex, project: %2$s, region: %3$s, base-url: "%1$s", credentials-file: "%4$s"}
                  gcp-claude: {kind: vertex-anthropic, project: %2$s, region: %3$s, base-url: "%1$s", credentials-file: "%4$s"}
                  gcp-wrong-project: {kind: vertex, project: not-my-project, region: %3$s, base-url: "%1$s", credentials-file: "%4$s"}
                  gcp-wrong-region: {kind: vertex, project: %2$s, region: mars-central1, base-url: "%1$s", credentials-file: "%4$s"}
                routing:
                  retries: {same-target: 0}
                models:
                  gemini-vertex:
                    targets: [{provider: gcp, model: gemini-2.5-flash}]
                  claude-vertex:
                    targets: [{provider: gcp-claude, model: "claude-sonnet-4@20250514"}]
                  wrong-project:
                    targets: [{provider: gcp-wrong-project, model: gemini-2.5-flash}]
                  wrong-region:
                    targets: [{provider: gcp-wrong-region, model: gemini-2.5-flash}]
                """.formatted(vertex.baseUrl(), FakeVertex.PROJECT, FakeVertex.REGION, keyFile));
        openai = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(20)).maxRetries(0).build();
        anthropic = AnthropicOkHttpClient.builder().baseUrl(gateway.origin()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(20)).maxRetries(0).build();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        vertex.close();
        claude.close();
        gemini.close();
        Files.deleteIfExists(keyFile);
    }

    @BeforeEach
    void reset() {
        gemini.answer("Hello from Gemini.");
        claude.reset();
        vertex.tokenLifetime(3600);
    }

    static ChatCompletionCreateParams.Builder params(String model) {
        return ChatCompletionCreateParams.builder().model(model);
    }

    static ChatCompletionFunctionTool weather() {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
                .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string")))).build())
                .build()).build();
    }

    private RecordedRequest lastModelCall() {
        List<RecordedRequest> all = vertex.requests();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (!all.get(i).path().equals("/token")) {
                return all.get(i);
            }
        }
        throw new AssertionError("no model call");
    }

    @Test
    void geminiOnVertexWithAServiceAccountToken() {
        ChatCompletion c = openai.chat().completions().create(params("gemini-vertex").addUserMessage("Hi").build());
        assertThat(c.choices().get(0).message().content()).hasValue("Hello from Gemini.");
        RecordedRequest r = lastModelCall();
        assertThat(r.path()).isEqualTo("/v1/projects/gatehouse-test/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent");
        assertThat(r.header("authorization")).startsWith("Bearer ya29.fake-");
        assertThat(r.json().path("contents").get(0).path("role").asText()).isEqualTo("user");
        int issued = vertex.tokensIssued();
        openai.chat().completions().create(params("gemini-vertex").addUserMessage("Again").build());
        assertThat(vertex.tokensIssued()).as("the token is cached between calls").isEqualTo(issued);
    }

    @Test
    void geminiOnVertexStreamsToolsAndTakesImages() {
        gemini.toolCalls(new FakeGemini.Call("get_weather", "{\"city\":\"Lyon\"}"));
        StringBuilder args = new StringBuilder();
        try (var s = openai.chat().completions().createStreaming(params("gemini-vertex").addTool(weather())
                .addUserMessageOfArrayOfContentParts(List.of(
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("Weather where this is?").build()),
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder().imageUrl(
                                ChatCompletionContentPartImage.ImageUrl.builder().url("data:image/png;base64," + PNG_B64).build()).build())))
                .build())) {
            s.stream().forEach(chunk -> chunk.choices().forEach(ch -> ch.delta().toolCalls().ifPresent(calls -> calls.forEach(tc ->
                    tc.function().flatMap(f -> f.arguments()).ifPresent(args::append)))));
        }
        assertThat(args.toString()).isEqualTo("{\"city\":\"Lyon\"}");
        RecordedRequest r = lastModelCall();
        assertThat(r.path()).endsWith(":streamGenerateContent");
        assertThat(r.query()).isEqualTo("alt=sse");
        assertThat(r.json().path("contents").get(0).path("parts").get(1).path("inlineData").path("data").asText()).isEqualTo(PNG_B64);
    }

    @Test
    void claudeOnVertexFromTheAnthropicSdk() {
        Message m = anthropic.messages().create(MessageCreateParams.builder().model("claude-vertex").maxTokens(100)
                .addUserMessage("Hi").build());
        assertThat(m.content().get(0).asText().text()).isEqualTo(FakeAnthropic.DEFAULT_ANSWER);
        RecordedRequest r = lastModelCall();
        assertThat(r.path()).isEqualTo("/v1/projects/gatehouse-test/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict");
        assertThat(r.json().path("anthropic_version").asText()).isEqualTo("vertex-2023-10-16");
        assertThat(r.json().has("model")).isFalse();
    }

    @Test
    void claudeOnVertexStreamsToTheAnthropicSdk() {
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = anthropic.messages().createStreaming(MessageCreateParams.builder()
                .model("claude-vertex").maxTokens(100).addUserMessage("Hi").build())) {
            s.stream().forEach(acc::accumulate);
        }
        assertThat(acc.message().content().get(0).asText().text()).isEqualTo(FakeAnthropic.DEFAULT_ANSWER);
        assertThat(lastModelCall().path()).endsWith(":streamRawPredict");
    }

    @Test
    void claudeOnVertexFromTheOpenAiSdkWithTools() {
        claude.toolUses(new FakeAnthropic.ToolUse("toolu_01", "get_weather", "{\"city\":\"Nice\"}"));
        ChatCompletion c = openai.chat().completions().create(params("claude-vertex").addTool(weather())
                .addUserMessage("Weather in Nice?").build());
        assertThat(c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction().function().arguments())
                .isEqualTo("{\"city\":\"Nice\"}");
        StringBuilder text = new StringBuilder();
        claude.reset();
        try (var s = openai.chat().completions().createStreaming(params("claude-vertex").addUserMessage("Hi").build())) {
            s.stream().forEach(chunk -> chunk.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
        }
        assertThat(text.toString()).isEqualTo(FakeAnthropic.DEFAULT_ANSWER);
    }

    @Test
    void aRevokedTokenIsReplacedAndTheCallRetriedOnce() {
        openai.chat().completions().create(params("gemini-vertex").addUserMessage("Hi").build());
        int issued = vertex.tokensIssued();
        int refused = vertex.unauthorized();
        vertex.revokeTokens();
        ChatCompletion c = openai.chat().completions().create(params("gemini-vertex").addUserMessage("Hi").build());
        assertThat(c.choices().get(0).message().content()).hasValue("Hello from Gemini.");
        assertThat(vertex.unauthorized() - refused).isEqualTo(1);
        assertThat(vertex.tokensIssued() - issued).isEqualTo(1);
    }

    @Test
    void aTokenAboutToExpireIsRefreshedBeforeUse() {
        // Tokens living less than the five minutes' margin: every call finds the cached one about to expire.
        vertex.tokenLifetime(120).revokeTokens();
        openai.chat().completions().create(params("gemini-vertex").addUserMessage("Hi").build()); // gets a 120 s token
        int issued = vertex.tokensIssued();
        int refused = vertex.unauthorized();
        openai.chat().completions().create(params("gemini-vertex").addUserMessage("Hi").build());
        assertThat(vertex.tokensIssued() - issued).as("refreshed before use").isEqualTo(1);
        assertThat(vertex.unauthorized()).as("never sent an expiring token").isEqualTo(refused);
    }

    @Test
    void aWrongProjectOrRegionIsNamed() {
        assertThatThrownBy(() -> openai.chat().completions().create(params("wrong-project").addUserMessage("Hi").build()))
                .hasMessageContaining("project 'not-my-project'").hasMessageContaining("denied");
        assertThatThrownBy(() -> openai.chat().completions().create(params("wrong-region").addUserMessage("Hi").build()))
                .hasMessageContaining("region 'mars-central1'").hasMessageContaining("location");
    }

    @Test
    void forVertexMovesTheModelToTheUrl() {
        JsonNode body = parse(VertexProvider.forVertex(io.vertx.core.buffer.Buffer.buffer(
                "{\"model\":\"claude\",\"max_tokens\":5,\"messages\":[]}")).toString());
        assertThat(body.has("model")).isFalse();
        assertThat(body.path("anthropic_version").asText()).isEqualTo("vertex-2023-10-16");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(5);
    }

    static JsonNode parse(String s) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
