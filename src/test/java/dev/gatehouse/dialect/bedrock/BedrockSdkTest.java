package dev.gatehouse.dialect.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.CacheControlEphemeral;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.TextBlockParam;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.errors.RateLimitException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.gatehouse.provider.http.ImageFetcher;
import dev.gatehouse.testing.FakeBedrock;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.SdkClients;
import dev.gatehouse.testing.RecordedRequest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The official openai-java and anthropic-java SDKs → gateway → a strict fake Bedrock runtime that
 * verifies every SigV4 signature and validates Converse requests as AWS documents them.
 */
class BedrockSdkTest {
    static final String PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    static final String PROFILE = "us.anthropic.claude-sonnet-4-20250514-v1:0";
    static FakeBedrock fake;
    static GatewayHarness gateway;
    static OpenAIClient openai;
    static AnthropicClient anthropic;
    static Vertx vertx;
    static HttpServer images;

    @BeforeAll
    static void start() throws Exception {
        System.setProperty(ImageFetcher.ALLOW_LOOPBACK_PROPERTY, "true"); // test-only: images served on 127.0.0.1
        vertx = Vertx.vertx();
        images = vertx.createHttpServer().requestHandler(req -> req.response().putHeader("content-type", "image/png")
                .end(Buffer.buffer(Base64.getDecoder().decode(PNG_B64))))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        fake = FakeBedrock.start();
        fake.allowKey("AKIAROTATING00000001", "rotating-secret");
        gateway = GatewayHarness.start("""
                providers:
                  aws: {kind: bedrock, region: us-east-1, base-url: "%1$s", access-key-id: %2$s, secret-access-key: "%3$s"}
                  aws-denied: {kind: bedrock, region: us-east-1, base-url: "%1$s", access-key-id: %2$s, secret-access-key: "%3$s"}
                  aws-apikey: {kind: bedrock, region: us-east-1, base-url: "%1$s", api-key: %4$s}
                  aws-chain: {kind: bedrock, region: us-east-1, base-url: "%1$s"}
                  aws-wrong-region: {kind: bedrock, region: eu-west-1, base-url: "%1$s", access-key-id: %2$s, secret-access-key: "%3$s"}
                routing:
                  retries: {same-target: 0}   # these tests check how one upstream error is mapped, not retries
                models:
                  claude-bedrock:
                    targets: [{provider: aws, model: "%5$s"}]
                  with-fallback:
                    targets: [{provider: aws-denied, model: "anthropic.claude-3-haiku-20240307-v1:0"}, {provider: aws, model: "%5$s"}]
                  nova-apikey:
                    targets: [{provider: aws-apikey, model: amazon.nova-lite-v1:0}]
                  chain:
                    targets: [{provider: aws-chain, model: amazon.nova-lite-v1:0}]
                  wrong-region:
                    targets: [{provider: aws-wrong-region, model: amazon.nova-lite-v1:0}]
                """.formatted(fake.baseUrl(), FakeBedrock.ACCESS_KEY, FakeBedrock.SECRET_KEY, FakeBedrock.API_KEY, PROFILE));
        openai = SdkClients.openAi(gateway, GatewayHarness.MASTER_KEY);
        anthropic = SdkClients.anthropic(gateway, GatewayHarness.MASTER_KEY);
    }

    @AfterAll
    static void stop() throws Exception {
        System.clearProperty(ImageFetcher.ALLOW_LOOPBACK_PROPERTY);
        gateway.close();
        fake.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    static ChatCompletionCreateParams.Builder params(String model) {
        return ChatCompletionCreateParams.builder().model(model);
    }

    static ChatCompletionFunctionTool weather() {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
                .description("Weather for a city").parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("city"))).build()).build()).build();
    }

    @Test
    void openAiTextIsSignedAndTranslated() {
        ChatCompletion c = openai.chat().completions().create(params("claude-bedrock").addSystemMessage("Be brief.")
                .addUserMessage("Hi").maxCompletionTokens(100).temperature(0.2).build());
        assertThat(c.choices().get(0).message().content()).hasValue("Hello from Bedrock.");
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(12);
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(3);
        RecordedRequest r = fake.lastRequest();
        // The cross-region inference profile id, URL-encoded in the path (the fake verified the signature over it).
        assertThat(r.path()).isEqualTo("/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse");
        assertThat(r.header("authorization")).startsWith("AWS4-HMAC-SHA256 Credential=" + FakeBedrock.ACCESS_KEY + "/")
                .contains("/us-east-1/bedrock/aws4_request");
        JsonNode body = r.json();
        assertThat(body.has("modelId")).isFalse();
        assertThat(body.path("system").toString()).isEqualTo("[{\"text\":\"Be brief.\"}]");
        assertThat(body.path("messages").toString()).isEqualTo("[{\"role\":\"user\",\"content\":[{\"text\":\"Hi\"}]}]");
        assertThat(body.path("inferenceConfig").path("maxTokens").asInt()).isEqualTo(100);
        assertThat(body.path("inferenceConfig").path("temperature").asDouble()).isEqualTo(0.2);
    }

    @Test
    void openAiStreamsEventStreamFrames() {
        fake.answer("one two three four five");
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (var s = openai.chat().completions().createStreaming(params("claude-bedrock").addUserMessage("Count").build())) {
            s.stream().forEach(chunk -> {
                chunks.add(chunk);
                chunk.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
            });
        }
        assertThat(text.toString()).isEqualTo("one two three four five");
        assertThat(chunks.stream().flatMap(ch -> ch.choices().stream()).filter(ch -> ch.finishReason().isPresent())
                .map(ch -> ch.finishReason().get()).toList()).containsExactly(ChatCompletionChunk.Choice.FinishReason.STOP);
        assertThat(fake.lastRequest().path()).endsWith("/converse-stream");
        assertThat(fake.lastRequest().header("accept")).isEqualTo("application/vnd.amazon.eventstream");
    }

    @Test
    void openAiToolsRoundTripWithImages() {
        fake.toolCalls(new FakeBedrock.Call("get_weather", "{\"city\":\"Paris\"}"));
        ChatCompletionCreateParams first = params("claude-bedrock").addTool(weather())
                .addUserMessageOfArrayOfContentParts(List.of(
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("Weather here?").build()),
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder().imageUrl(
                                ChatCompletionContentPartImage.ImageUrl.builder().url("data:image/png;base64," + PNG_B64).build()).build()),
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder().imageUrl(
                                ChatCompletionContentPartImage.ImageUrl.builder().url("http://127.0.0.1:" + images.actualPort()
                                        + "/cat.png").build()).build())))
                .build();
        ChatCompletion c = openai.chat().completions().create(first);
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        ChatCompletionMessageFunctionToolCall call = c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(call.function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
        JsonNode sent = fake.lastRequest().json();
        JsonNode content = sent.path("messages").get(0).path("content");
        assertThat(content.get(1).path("image").path("format").asText()).isEqualTo("png");
        assertThat(content.get(1).path("image").path("source").path("bytes").asText()).isEqualTo(PNG_B64);
        assertThat(content.get(2).path("image").path("source").path("bytes").asText()).isEqualTo(PNG_B64); // fetched
        assertThat(sent.path("toolConfig").path("tools").get(0).path("toolSpec").path("inputSchema").path("json")
                .path("required").get(0).asText()).isEqualTo("city");

        fake.answer("It is 18C in Paris.");
        ChatCompletion second = openai.chat().completions().create(params("claude-bedrock").addTool(weather())
                .addUserMessage("Weather here?")
                .addMessage(c.choices().get(0).message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("18C").build())
                .build());
        assertThat(second.choices().get(0).message().content()).hasValue("It is 18C in Paris.");
        JsonNode messages = fake.lastRequest().json().path("messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.get(1).path("content").get(0).path("toolUse").path("toolUseId").asText()).isEqualTo(call.id());
        assertThat(messages.get(2).path("content").get(0).path("toolResult").path("content").get(0).path("text").asText())
                .isEqualTo("18C");
    }

    @Test
    void openAiStreamedToolCall() {
        fake.toolCalls(new FakeBedrock.Call("get_weather", "{\"city\":\"Rome\"}"));
        StringBuilder args = new StringBuilder();
        List<String> names = new ArrayList<>();
        try (var s = openai.chat().completions().createStreaming(params("claude-bedrock").addTool(weather())
                .addUserMessage("Weather in Rome?").build())) {
            s.stream().forEach(chunk -> chunk.choices().forEach(ch -> ch.delta().toolCalls().ifPresent(calls -> calls.forEach(tc -> {
                tc.function().flatMap(f -> f.name()).ifPresent(names::add);
                tc.function().flatMap(f -> f.arguments()).ifPresent(args::append);
            }))));
        }
        assertThat(names).containsExactly("get_weather");
        assertThat(args.toString()).isEqualTo("{\"city\":\"Rome\"}");
    }

    @Test
    void openAiJsonSchemaThroughAForcedTool() {
        fake.answer("sunny");
        ChatCompletion c = openai.chat().completions().create(params("claude-bedrock").addUserMessage("Weather as JSON")
                .responseFormat(com.openai.models.ResponseFormatJsonObject.builder().build()).build());
        assertThat(c.choices().get(0).message().content()).hasValue("{\"answer\":\"sunny\"}");
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(fake.lastRequest().json().path("toolConfig").path("toolChoice").path("tool").path("name").asText())
                .isEqualTo(BedrockRequestEncoder.JSON_TOOL);
    }

    @Test
    void anthropicCacheControlBecomesCachePointAndCacheTokensAreCounted() {
        fake.usage(10, 2000, 300);
        Message m = anthropic.messages().create(MessageCreateParams.builder().model("claude-bedrock").maxTokens(200)
                .systemOfTextBlockParams(List.of(TextBlockParam.builder().text("A long policy document.")
                        .cacheControl(CacheControlEphemeral.builder().build()).build()))
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofText(TextBlockParam.builder().text("First question")
                        .cacheControl(CacheControlEphemeral.builder().build()).build())))
                .build());
        assertThat(m.content().get(0).asText().text()).isEqualTo("Hello from Bedrock.");
        assertThat(m.usage().inputTokens()).isEqualTo(10);
        assertThat(m.usage().cacheReadInputTokens()).contains(2000L);
        assertThat(m.usage().cacheCreationInputTokens()).contains(300L);
        JsonNode sent = fake.lastRequest().json();
        assertThat(sent.path("system").toString())
                .isEqualTo("[{\"text\":\"A long policy document.\"},{\"cachePoint\":{\"type\":\"default\"}}]");
        assertThat(sent.path("messages").get(0).path("content").toString())
                .isEqualTo("[{\"text\":\"First question\"},{\"cachePoint\":{\"type\":\"default\"}}]");
    }

    @Test
    void anthropicStreamWithToolsAccumulates() {
        fake.toolCalls(new FakeBedrock.Call("get_weather", "{\"city\":\"Oslo\"}"));
        Tool tool = Tool.builder().name("get_weather").inputSchema(Tool.InputSchema.builder()
                .properties(com.anthropic.core.JsonValue.from(Map.of("city", Map.of("type", "string")))).build()).build();
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = anthropic.messages().createStreaming(MessageCreateParams.builder()
                .model("claude-bedrock").maxTokens(200).addTool(tool).addUserMessage("Weather in Oslo?").build())) {
            s.stream().forEach(acc::accumulate);
        }
        Message m = acc.message();
        assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
        ToolUseBlock use = m.content().stream().filter(ContentBlock::isToolUse).map(ContentBlock::asToolUse).findFirst().orElseThrow();
        assertThat(use.name()).isEqualTo("get_weather");
        assertThat(use._input().toString()).contains("Oslo");

        fake.answer("Cold.");
        Message next = anthropic.messages().create(MessageCreateParams.builder().model("claude-bedrock").maxTokens(200)
                .addTool(tool).addUserMessage("Weather in Oslo?").addMessage(m)
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                        .toolUseId(use.id()).content("-3C").isError(false).build())))
                .build());
        assertThat(next.content().get(0).asText().text()).isEqualTo("Cold.");
    }

    @Test
    void anthropicDocumentsBecomeConverseDocuments() {
        String pdf = Base64.getEncoder().encodeToString("%PDF-1.4 fake".getBytes());
        anthropic.messages().create(MessageCreateParams.builder().model("claude-bedrock").maxTokens(200)
                .addUserMessageOfContentBlockParams(List.of(
                        ContentBlockParam.ofDocument(com.anthropic.models.messages.DocumentBlockParam.builder()
                                .base64Source(pdf).title("Q3 report.pdf").build()),
                        ContentBlockParam.ofText(TextBlockParam.builder().text("Summarise").build())))
                .build());
        JsonNode doc = fake.lastRequest().json().path("messages").get(0).path("content").get(0).path("document");
        assertThat(doc.path("format").asText()).isEqualTo("pdf");
        assertThat(doc.path("name").asText()).isEqualTo("Q3 report");
        assertThat(doc.path("source").path("bytes").asText()).isEqualTo(pdf);
    }

    @Test
    void throttlingIsARateLimitAndValidationABadRequest() {
        fake.failNext(429, "ThrottlingException", "Too many requests, please wait before trying again.");
        assertThatThrownBy(() -> openai.chat().completions().create(params("claude-bedrock").addUserMessage("Hi").build()))
                .isInstanceOf(RateLimitException.class).hasMessageContaining("Too many requests");
        fake.failNext(400, "ValidationException", "The model returned the following errors: bad input");
        assertThatThrownBy(() -> openai.chat().completions().create(params("claude-bedrock").addUserMessage("Hi").build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("bad input");
    }

    @Test
    void accessDeniedMovesToTheNextTarget() {
        fake.failNext(403, "AccessDeniedException", "You don't have access to the model with the specified model ID.");
        ChatCompletion c = openai.chat().completions().create(params("with-fallback").addUserMessage("Hi").build());
        assertThat(c.choices().get(0).message().content()).hasValue("Hello from Bedrock.");
        List<RecordedRequest> sent = fake.requests();
        assertThat(sent.get(sent.size() - 2).path()).contains("anthropic.claude-3-haiku-20240307-v1%3A0");
        assertThat(sent.getLast().path()).contains("us.anthropic.claude-sonnet-4");
    }

    @Test
    void streamedThrottlingExceptionEndsTheStreamWithAnError() {
        fake.answer("one two three").streamException("throttlingException");
        assertThatThrownBy(() -> {
            try (var s = openai.chat().completions().createStreaming(params("claude-bedrock").addUserMessage("Hi").build())) {
                s.stream().forEach(chunk -> { });
            }
        }).hasMessageContaining("Too many requests");
    }

    @Test
    void bedrockApiKeyIsSentAsBearer() {
        ChatCompletion c = openai.chat().completions().create(params("nova-apikey").addUserMessage("Hi").build());
        assertThat(c.choices().get(0).message().content()).hasValue("Hello from Bedrock.");
        assertThat(fake.lastRequest().header("authorization")).isEqualTo("Bearer " + FakeBedrock.API_KEY);
    }

    @Test
    void aSignatureForAnotherRegionIsRefused() {
        assertThatThrownBy(() -> openai.chat().completions().create(params("wrong-region").addUserMessage("Hi").build()))
                .hasMessageContaining("region");
    }

    /**
     * Credentials from the default chain (here its system-property source) are cached; when they
     * rotate and AWS rejects the cached session token as expired, the provider resolves again and
     * the caller's request succeeds: one rejection upstream, no failed call.
     */
    @Test
    void anExpiredSessionTokenIsResolvedAgainAndRetriedOnce() {
        try {
            System.setProperty("aws.accessKeyId", "AKIAROTATING00000001");
            System.setProperty("aws.secretAccessKey", "rotating-secret");
            System.setProperty("aws.sessionToken", "session-token-1");
            openai.chat().completions().create(params("chain").addUserMessage("Hi").build());
            assertThat(fake.lastRequest().header("x-amz-security-token")).isEqualTo("session-token-1");

            System.setProperty("aws.sessionToken", "session-token-2"); // the source rotated; the cache still holds token 1
            fake.expireSessionToken("session-token-1");
            ChatCompletion c = openai.chat().completions().create(params("chain").addUserMessage("Hi again").build());
            assertThat(c.choices().get(0).message().content()).hasValue("Hello from Bedrock.");
            assertThat(fake.expiredRejections()).isEqualTo(1);
            assertThat(fake.lastRequest().header("x-amz-security-token")).isEqualTo("session-token-2");
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
            System.clearProperty("aws.sessionToken");
        }
    }
}
