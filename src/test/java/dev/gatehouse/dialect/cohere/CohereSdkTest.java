package dev.gatehouse.dialect.cohere;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.errors.RateLimitException;
import com.openai.models.FunctionDefinition;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.gatehouse.testing.FakeCohere;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.SdkClients;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official SDKs → gateway → a strict fake Cohere v2 API. */
class CohereSdkTest {
    static FakeCohere fake;
    static GatewayHarness gateway;
    static OpenAIClient openai;
    static AnthropicClient anthropic;

    @BeforeAll
    static void start() {
        fake = FakeCohere.start();
        gateway = GatewayHarness.start("""
                providers:
                  cohere: {kind: cohere, base-url: "%s", api-key: %s}
                routing:
                  retries: {same-target: 0}
                models:
                  command-a:
                    targets: [{provider: cohere, model: command-a-03-2025}]
                  cohere-embed:
                    type: embedding
                    targets: [{provider: cohere, model: embed-v4.0}]
                """.formatted(fake.baseUrl(), FakeCohere.KEY));
        openai = SdkClients.openAi(gateway, GatewayHarness.MASTER_KEY);
        anthropic = SdkClients.anthropic(gateway, GatewayHarness.MASTER_KEY);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    static ChatCompletionFunctionTool weather() {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
                .parameters(com.openai.models.FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .build()).build()).build();
    }

    @Test
    void openAiChatWithAnImageAndCitations() {
        fake.cite(true);
        ChatCompletion c = openai.chat().completions().create(ChatCompletionCreateParams.builder().model("command-a")
                .addSystemMessage("Be brief.")
                .addUserMessageOfArrayOfContentParts(List.of(
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("What is this?").build()),
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder().imageUrl(
                                ChatCompletionContentPartImage.ImageUrl.builder().url("data:image/png;base64,iVBORw0KGgo=").build()).build())))
                .topP(0.5).stop("END").maxCompletionTokens(64).build());
        assertThat(c.choices().get(0).message().content()).hasValue("Hello from Cohere.");
        assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(13); // billed units
        assertThat(c._additionalProperties().get("citations").toString()).contains("TEXT_CONTENT");
        JsonNode sent = fake.lastRequest().json();
        assertThat(sent.path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(sent.path("messages").get(1).path("content").get(1).path("type").asText()).isEqualTo("image_url");
        assertThat(sent.path("p").asDouble()).isEqualTo(0.5);
        assertThat(sent.path("stop_sequences").get(0).asText()).isEqualTo("END");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(64);
    }

    @Test
    void toolsRoundTripAndRequired() {
        fake.toolCalls(new FakeCohere.Call("get_weather_abc123", "get_weather", "{\"city\":\"Oslo\"}"));
        ChatCompletion c = openai.chat().completions().create(ChatCompletionCreateParams.builder().model("command-a")
                .addTool(weather()).toolChoice(com.openai.models.chat.completions.ChatCompletionToolChoiceOption.Auto.REQUIRED)
                .addUserMessage("Weather in Oslo?").build());
        var call = c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
        assertThat(call.id()).isEqualTo("get_weather_abc123");
        assertThat(call.function().arguments()).isEqualTo("{\"city\":\"Oslo\"}");
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(fake.lastRequest().json().path("tool_choice").asText()).isEqualTo("REQUIRED");

        fake.answer("Cold in Oslo.");
        ChatCompletion done = openai.chat().completions().create(ChatCompletionCreateParams.builder().model("command-a")
                .addTool(weather()).addUserMessage("Weather in Oslo?").addMessage(c.choices().get(0).message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("-3C").build()).build());
        assertThat(done.choices().get(0).message().content()).hasValue("Cold in Oslo.");
        JsonNode messages = fake.lastRequest().json().path("messages");
        assertThat(messages.get(2).path("role").asText()).isEqualTo("tool");
        assertThat(messages.get(2).path("tool_call_id").asText()).isEqualTo("get_weather_abc123");
    }

    @Test
    void anthropicStreamsTextAndTools() {
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = anthropic.messages().createStreaming(MessageCreateParams.builder()
                .model("command-a").maxTokens(100).addUserMessage("Hi").build())) {
            s.stream().forEach(acc::accumulate);
        }
        assertThat(acc.message().content().get(0).asText().text()).isEqualTo("Hello from Cohere.");

        fake.toolCalls(new FakeCohere.Call("call_77", "get_weather", "{\"city\":\"Rome\"}"));
        Tool tool = Tool.builder().name("get_weather").inputSchema(Tool.InputSchema.builder()
                .properties(com.anthropic.core.JsonValue.from(Map.of("city", Map.of("type", "string")))).build()).build();
        MessageAccumulator tools = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = anthropic.messages().createStreaming(MessageCreateParams.builder()
                .model("command-a").maxTokens(100).addTool(tool).addUserMessage("Weather in Rome?").build())) {
            s.stream().forEach(tools::accumulate);
        }
        assertThat(tools.message().stopReason()).contains(StopReason.TOOL_USE);
        var use = tools.message().content().stream().filter(ContentBlock::isToolUse).findFirst().orElseThrow().asToolUse();
        assertThat(use.id()).isEqualTo("call_77");
        assertThat(use._input().toString()).contains("Rome");
    }

    @Test
    void embeddingsThroughV2Embed() {
        CreateEmbeddingResponse r = openai.embeddings().create(EmbeddingCreateParams.builder().model("cohere-embed")
                .inputOfArrayOfStrings(List.of("alpha", "beta gamma")).build());
        assertThat(r.data()).hasSize(2);
        assertThat(r.data().get(0).embedding()).hasSize(4);
        JsonNode sent = fake.lastRequest().json();
        assertThat(fake.lastRequest().path()).isEqualTo("/v2/embed");
        assertThat(sent.path("input_type").asText()).isEqualTo("search_document");
        assertThat(sent.path("embedding_types").get(0).asText()).isEqualTo("float");
    }

    @Test
    void errorsAreClassified() {
        fake.failNext(429, "You are using a Trial key, which is limited to 10 API calls / minute.");
        assertThatThrownBy(() -> openai.chat().completions().create(ChatCompletionCreateParams.builder().model("command-a")
                .addUserMessage("Hi").build())).isInstanceOf(RateLimitException.class).hasMessageContaining("Trial key");
        fake.failNext(400, "invalid request: message must be at least 1 token long.");
        assertThatThrownBy(() -> openai.chat().completions().create(ChatCompletionCreateParams.builder().model("command-a")
                .addUserMessage("Hi").build())).isInstanceOf(BadRequestException.class).hasMessageContaining("at least 1 token");
    }
}
