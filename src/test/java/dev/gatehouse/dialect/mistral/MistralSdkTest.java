package dev.gatehouse.dialect.mistral;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import dev.gatehouse.testing.FakeMistral;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.SdkClients;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official SDKs → gateway → a strict fake Mistral API. */
class MistralSdkTest {
    static FakeMistral fake;
    static GatewayHarness gateway;
    static OpenAIClient openai;
    static AnthropicClient anthropic;

    @BeforeAll
    static void start() {
        fake = FakeMistral.start();
        gateway = GatewayHarness.start("""
                providers:
                  mistral: {kind: mistral, base-url: "%s", api-key: %s}
                routing:
                  retries: {same-target: 0}
                models:
                  mistral-large:
                    targets: [{provider: mistral, model: mistral-large-latest}]
                """.formatted(fake.baseUrl(), FakeMistral.KEY));
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

    @Test
    void openAiFieldsBecomeMistralsAndSafePromptPassesOn() {
        ChatCompletion c = openai.chat().completions().create(ChatCompletionCreateParams.builder().model("mistral-large")
                .addUserMessageOfArrayOfContentParts(List.of(
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("What is this?").build()),
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder().imageUrl(
                                ChatCompletionContentPartImage.ImageUrl.builder().url("data:image/png;base64,iVBORw0KGgo=").build()).build())))
                .maxCompletionTokens(50).seed(7).user("u-1")
                .putAdditionalBodyProperty("safe_prompt", JsonValue.from(true)).build());
        assertThat(c.choices().get(0).message().content()).hasValue("Bonjour from Mistral.");
        JsonNode sent = fake.lastRequest().json();
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(50);
        assertThat(sent.path("random_seed").asInt()).isEqualTo(7);
        assertThat(sent.path("safe_prompt").asBoolean()).isTrue();
        assertThat(sent.has("user")).isFalse();
        assertThat(sent.path("messages").get(0).path("content").get(1).path("image_url").path("url").asText())
                .startsWith("data:image/png");
    }

    @Test
    void streamsWithoutStreamOptions() {
        StringBuilder text = new StringBuilder();
        try (var s = openai.chat().completions().createStreaming(ChatCompletionCreateParams.builder().model("mistral-large")
                .addUserMessage("Hi").build())) {
            s.stream().forEach(chunk -> chunk.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
        }
        assertThat(text.toString()).isEqualTo("Bonjour from Mistral.");
        assertThat(fake.lastRequest().json().has("stream_options")).isFalse();
    }

    /** A conversation begun on Anthropic (toolu_... ids) continues on Mistral: ids become 9 characters, pairs kept. */
    @Test
    void foreignToolCallIdsBecomeNineCharacters() {
        Tool tool = Tool.builder().name("get_weather").inputSchema(Tool.InputSchema.builder()
                .properties(com.anthropic.core.JsonValue.from(Map.of("city", Map.of("type", "string")))).build()).build();
        fake.answer("Sunny.");
        Message m = anthropic.messages().create(MessageCreateParams.builder().model("mistral-large").maxTokens(100).addTool(tool)
                .addUserMessage("Weather in Nice?")
                .addAssistantMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolUse(com.anthropic.models.messages.ToolUseBlockParam
                        .builder().id("toolu_01AbCdEfGhIjKlMnOp").name("get_weather")
                        .input(com.anthropic.core.JsonValue.from(Map.of("city", "Nice"))).build())))
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                        .toolUseId("toolu_01AbCdEfGhIjKlMnOp").content("21C").build())))
                .build());
        assertThat(m.content().get(0).asText().text()).isEqualTo("Sunny.");
        JsonNode messages = fake.lastRequest().json().path("messages");
        String id = messages.get(1).path("tool_calls").get(0).path("id").asText();
        assertThat(id).matches("[a-zA-Z0-9]{9}");
        assertThat(messages.get(2).path("tool_call_id").asText()).isEqualTo(id);
    }

    @Test
    void mistralToolCallsReachTheCallerAndRequiredBecomesAny() {
        fake.toolCalls(new FakeMistral.Call("D681PevKs", "get_weather", "{\"city\":\"Paris\"}"));
        ChatCompletion c = openai.chat().completions().create(ChatCompletionCreateParams.builder().model("mistral-large")
                .addTool(com.openai.models.chat.completions.ChatCompletionFunctionTool.builder().function(
                        com.openai.models.FunctionDefinition.builder().name("get_weather").build()).build())
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED)
                .addUserMessage("Weather?").build());
        assertThat(c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction().id()).isEqualTo("D681PevKs");
        assertThat(fake.lastRequest().json().path("tool_choice").asText()).isEqualTo("any");
    }

    @Test
    void mistralErrorsAreReadAndClassified() {
        fake.failNext(429, "{\"object\":\"error\",\"message\":\"Requests rate limit exceeded\",\"type\":\"rate_limited\",\"param\":null,\"code\":\"1300\"}");
        assertThatThrownBy(() -> openai.chat().completions().create(ChatCompletionCreateParams.builder().model("mistral-large")
                .addUserMessage("Hi").build())).isInstanceOf(RateLimitException.class).hasMessageContaining("rate limit exceeded");
        fake.failNext(422, "{\"object\":\"error\",\"message\":{\"detail\":[{\"type\":\"less_than_equal\",\"loc\":[\"body\",\"temperature\"],"
                + "\"msg\":\"Input should be less than or equal to 1.5\"}]},\"type\":\"invalid_request_message_error\",\"param\":null,\"code\":null}");
        assertThatThrownBy(() -> openai.chat().completions().create(ChatCompletionCreateParams.builder().model("mistral-large")
                .addUserMessage("Hi").build())).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("body.temperature: Input should be less than or equal to 1.5");
    }

    @Test
    void nineCharacterIdsAreStableAndMistralsOwnAreKept() {
        assertThat(MistralRequestEncoder.toolCallId("D681PevKs")).isEqualTo("D681PevKs");
        assertThat(MistralRequestEncoder.toolCallId("call_abc")).isEqualTo(MistralRequestEncoder.toolCallId("call_abc"))
                .matches("[a-zA-Z0-9]{9}").isNotEqualTo(MistralRequestEncoder.toolCallId("call_abd"));
    }
}
