package dev.gatehouse.conformance;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.ObjectMappers;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Base64ImageSource;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.ImageBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.TextBlockParam;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlockParam;
import com.anthropic.models.messages.UrlImageSource;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFormatTextJsonSchemaConfig;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputContent;
import com.openai.models.responses.ResponseInputImage;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseInputText;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseTextConfig;
import dev.gatehouse.conformance.Conversation.AssistantCalls;
import dev.gatehouse.conformance.Conversation.AssistantText;
import dev.gatehouse.conformance.Conversation.Call;
import dev.gatehouse.conformance.Conversation.CallerError;
import dev.gatehouse.conformance.Conversation.Finish;
import dev.gatehouse.conformance.Conversation.Msg;
import dev.gatehouse.conformance.Conversation.Result;
import dev.gatehouse.conformance.Conversation.Spec;
import dev.gatehouse.conformance.Conversation.ToolResult;
import dev.gatehouse.conformance.Conversation.UserText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The three caller formats, each driven by its official SDK exactly as an application would use it. */
final class Callers {
    private Callers() {
    }

    interface Caller {
        String name();

        Result send(Spec spec, boolean stream);
    }

    // ------------------------------------------------------------------ openai-java → /v1/chat/completions

    static final class OpenAi implements Caller {
        private final OpenAIClient client;

        OpenAi(String baseUrl, String key) {
            client = OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey(key).timeout(Duration.ofSeconds(20)).maxRetries(0).build();
        }

        @Override
        public String name() {
            return "openai";
        }

        @Override
        public Result send(Spec spec, boolean stream) {
            ChatCompletionCreateParams.Builder b = ChatCompletionCreateParams.builder().model(spec.model());
            if (spec.system() != null) b.addSystemMessage(spec.system());
            for (Msg m : spec.messages()) {
                switch (m) {
                    case UserText u when u.imageUrls().isEmpty() -> b.addUserMessage(u.text());
                    case UserText u -> {
                        List<ChatCompletionContentPart> parts = new ArrayList<>();
                        parts.add(ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text(u.text()).build()));
                        for (String url : u.imageUrls()) {
                            parts.add(ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                                    .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url(url).build()).build()));
                        }
                        b.addUserMessageOfArrayOfContentParts(parts);
                    }
                    case AssistantText a -> b.addAssistantMessage(a.text());
                    case AssistantCalls a -> {
                        ChatCompletionAssistantMessageParam.Builder am = ChatCompletionAssistantMessageParam.builder();
                        for (Call c : a.calls()) {
                            am.addToolCall(ChatCompletionMessageFunctionToolCall.builder().id(c.id())
                                    .function(ChatCompletionMessageFunctionToolCall.Function.builder().name(c.name()).arguments(c.args()).build())
                                    .build());
                        }
                        b.addMessage(am.build());
                    }
                    case ToolResult t -> b.addMessage(ChatCompletionToolMessageParam.builder().toolCallId(t.callId()).content(t.content()).build());
                }
            }
            if (spec.tools()) {
                FunctionParameters.Builder params = FunctionParameters.builder();
                Conversation.WEATHER_TOOL.forEach((k, v) -> params.putAdditionalProperty(k, JsonValue.from(v)));
                b.addFunctionTool(FunctionDefinition.builder().name("get_weather").description("Current weather in a city")
                        .parameters(params.build()).build());
            }
            if (spec.jsonSchema()) {
                ResponseFormatJsonSchema.JsonSchema.Schema.Builder schema = ResponseFormatJsonSchema.JsonSchema.Schema.builder();
                Conversation.WEATHER_SCHEMA.forEach((k, v) -> schema.putAdditionalProperty(k, JsonValue.from(v)));
                b.responseFormat(ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                        .name("weather").strict(true).schema(schema.build()).build()).build());
            }
            if (!spec.stop().isEmpty()) b.stopOfStrings(spec.stop());
            if (spec.maxTokens() != null) b.maxCompletionTokens(spec.maxTokens());
            try {
                if (!stream) {
                    return result(client.chat().completions().create(b.build()), true);
                }
                b.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build());
                ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
                boolean[] usageSeen = {false};
                try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(b.build())) {
                    s.stream().forEach(chunk -> {
                        if (chunk.usage().isPresent()) usageSeen[0] = true;
                        acc.accumulate(chunk);
                    });
                }
                return result(acc.chatCompletion(), usageSeen[0]);
            } catch (OpenAIServiceException e) {
                throw new CallerError(e.statusCode(), e.type().orElse(null), e.getMessage(), e.headers().values("retry-after"), e);
            }
        }

        private static Result result(ChatCompletion c, boolean usageSeen) {
            ChatCompletion.Choice choice = c.choices().getFirst();
            String raw = choice.finishReason().asString();
            Finish finish = switch (raw) {
                case "stop" -> Finish.STOP;
                case "length" -> Finish.LENGTH;
                case "tool_calls" -> Finish.TOOLS;
                default -> Finish.OTHER;
            };
            List<Call> calls = choice.message().toolCalls().orElse(List.of()).stream().map(t -> t.asFunction())
                    .map(f -> new Call(f.id(), f.function().name(), f.function().arguments())).toList();
            long in = c.usage().map(u -> u.promptTokens()).orElse(-1L);
            long out = c.usage().map(u -> u.completionTokens()).orElse(-1L);
            return new Result(choice.message().content().orElse(""), finish, raw, calls, in, out, usageSeen && c.usage().isPresent(), null);
        }
    }

    // ------------------------------------------------------------------ anthropic-java → /v1/messages

    static final class Anthropic implements Caller {
        /** The Anthropic SDK requires max_tokens; an application would pick something like this. */
        static final int DEFAULT_MAX_TOKENS = 256;
        private final AnthropicClient client;

        Anthropic(String origin, String key) {
            client = AnthropicOkHttpClient.builder().baseUrl(origin).apiKey(key).timeout(Duration.ofSeconds(20)).maxRetries(0).build();
        }

        @Override
        public String name() {
            return "anthropic";
        }

        @Override
        public Result send(Spec spec, boolean stream) {
            MessageCreateParams.Builder b = MessageCreateParams.builder().model(spec.model())
                    .maxTokens(spec.maxTokens() == null ? DEFAULT_MAX_TOKENS : spec.maxTokens());
            if (spec.system() != null) b.system(spec.system());
            List<ContentBlockParam> pendingResults = new ArrayList<>();
            for (Msg m : spec.messages()) {
                if (!(m instanceof ToolResult) && !pendingResults.isEmpty()) {
                    b.addUserMessageOfContentBlockParams(List.copyOf(pendingResults));
                    pendingResults.clear();
                }
                switch (m) {
                    case UserText u when u.imageUrls().isEmpty() -> b.addUserMessage(u.text());
                    case UserText u -> {
                        List<ContentBlockParam> blocks = new ArrayList<>();
                        blocks.add(ContentBlockParam.ofText(TextBlockParam.builder().text(u.text()).build()));
                        for (String url : u.imageUrls()) {
                            blocks.add(ContentBlockParam.ofImage(image(url)));
                        }
                        b.addUserMessageOfContentBlockParams(blocks);
                    }
                    case AssistantText a -> b.addAssistantMessage(a.text());
                    case AssistantCalls a -> {
                        List<ContentBlockParam> blocks = new ArrayList<>();
                        for (Call c : a.calls()) {
                            ToolUseBlockParam.Input.Builder input = ToolUseBlockParam.Input.builder();
                            c.argsJson().properties().forEach(e -> input.putAdditionalProperty(e.getKey(),
                                    com.anthropic.core.JsonValue.from(Conversation.JSON.convertValue(e.getValue(), Object.class))));
                            blocks.add(ContentBlockParam.ofToolUse(ToolUseBlockParam.builder().id(c.id()).name(c.name()).input(input.build()).build()));
                        }
                        b.addAssistantMessageOfContentBlockParams(blocks);
                    }
                    case ToolResult t -> pendingResults.add(ContentBlockParam.ofToolResult(
                            ToolResultBlockParam.builder().toolUseId(t.callId()).content(t.content()).build()));
                }
            }
            if (!pendingResults.isEmpty()) b.addUserMessageOfContentBlockParams(List.copyOf(pendingResults));
            if (spec.tools()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> props = (Map<String, Object>) Conversation.WEATHER_TOOL.get("properties");
                b.addTool(Tool.builder().name("get_weather").description("Current weather in a city")
                        .inputSchema(Tool.InputSchema.builder().properties(com.anthropic.core.JsonValue.from(props))
                                .addRequired("city").build()).build());
            }
            if (spec.jsonSchema()) {
                // Anthropic's structured outputs (GA): output_config.format {type: json_schema, schema}
                com.anthropic.models.messages.JsonOutputFormat.Schema.Builder schema = com.anthropic.models.messages.JsonOutputFormat.Schema.builder();
                Conversation.WEATHER_SCHEMA.forEach((k, v) -> schema.putAdditionalProperty(k, com.anthropic.core.JsonValue.from(v)));
                b.outputConfig(com.anthropic.models.messages.OutputConfig.builder()
                        .format(com.anthropic.models.messages.JsonOutputFormat.builder().schema(schema.build()).build()).build());
            }
            if (!spec.stop().isEmpty()) b.stopSequences(spec.stop());
            try {
                if (!stream) {
                    return result(client.messages().create(b.build()), true);
                }
                MessageAccumulator acc = MessageAccumulator.create();
                boolean[] deltaUsage = {false};
                try (com.anthropic.core.http.StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(b.build())) {
                    s.stream().forEach(e -> {
                        if (e.isMessageDelta()) deltaUsage[0] = true; // message_delta always carries the final usage
                        acc.accumulate(e);
                    });
                }
                return result(acc.message(), deltaUsage[0]);
            } catch (AnthropicServiceException e) {
                throw new CallerError(e.statusCode(), e.type().map(Object::toString).orElse(null), e.getMessage(),
                        e.headers().values("retry-after"), e);
            }
        }

        private static ImageBlockParam image(String url) {
            if (url.startsWith("data:")) {
                String mediaType = url.substring(5, url.indexOf(';'));
                String data = url.substring(url.indexOf(',') + 1);
                return ImageBlockParam.builder().source(Base64ImageSource.builder().data(data)
                        .mediaType(Base64ImageSource.MediaType.of(mediaType)).build()).build();
            }
            return ImageBlockParam.builder().source(UrlImageSource.builder().url(url).build()).build();
        }

        private static Result result(Message m, boolean usageSeen) {
            StringBuilder text = new StringBuilder();
            List<Call> calls = new ArrayList<>();
            for (ContentBlock block : m.content()) {
                if (block.isText()) text.append(block.asText().text());
                if (block.isToolUse()) {
                    try {
                        calls.add(new Call(block.asToolUse().id(), block.asToolUse().name(),
                                ObjectMappers.jsonMapper().writeValueAsString(block.asToolUse()._input())));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
            }
            String raw = m.stopReason().map(r -> r.asString()).orElse("null");
            Finish finish = switch (raw) {
                case "end_turn", "stop_sequence" -> Finish.STOP;
                case "max_tokens" -> Finish.LENGTH;
                case "tool_use" -> Finish.TOOLS;
                default -> Finish.OTHER;
            };
            return new Result(text.toString(), finish, raw, calls, m.usage().inputTokens(), m.usage().outputTokens(), usageSeen,
                    m.stopSequence().orElse(null));
        }
    }

    // ------------------------------------------------------------------ openai-java → /v1/responses

    static final class Responses implements Caller {
        private final OpenAIClient client;

        Responses(String baseUrl, String key) {
            client = OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey(key).timeout(Duration.ofSeconds(20)).maxRetries(0).build();
        }

        @Override
        public String name() {
            return "responses";
        }

        @Override
        public Result send(Spec spec, boolean stream) {
            ResponseCreateParams.Builder b = ResponseCreateParams.builder().model(spec.model());
            if (spec.system() != null) b.instructions(spec.system());
            List<ResponseInputItem> input = new ArrayList<>();
            for (Msg m : spec.messages()) {
                switch (m) {
                    case UserText u -> {
                        ResponseInputItem.Message.Builder msg = ResponseInputItem.Message.builder().role(ResponseInputItem.Message.Role.USER)
                                .addContent(ResponseInputContent.ofInputText(ResponseInputText.builder().text(u.text()).build()));
                        for (String url : u.imageUrls()) {
                            msg.addContent(ResponseInputContent.ofInputImage(ResponseInputImage.builder()
                                    .detail(ResponseInputImage.Detail.AUTO).imageUrl(url).build()));
                        }
                        input.add(ResponseInputItem.ofMessage(msg.build()));
                    }
                    case AssistantText a -> input.add(ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                            .role(EasyInputMessage.Role.ASSISTANT).content(a.text()).build()));
                    case AssistantCalls a -> {
                        for (Call c : a.calls()) {
                            input.add(ResponseInputItem.ofFunctionCall(ResponseFunctionToolCall.builder().callId(c.id()).name(c.name())
                                    .arguments(c.args()).build()));
                        }
                    }
                    case ToolResult t -> input.add(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                            .callId(t.callId()).output(t.content()).build()));
                }
            }
            b.inputOfResponse(input);
            if (spec.tools()) {
                FunctionTool.Parameters.Builder params = FunctionTool.Parameters.builder();
                Conversation.WEATHER_TOOL.forEach((k, v) -> params.putAdditionalProperty(k, JsonValue.from(v)));
                b.addTool(FunctionTool.builder().name("get_weather").description("Current weather in a city")
                        .parameters(params.build()).strict(false).build());
            }
            if (spec.jsonSchema()) {
                ResponseFormatTextJsonSchemaConfig.Schema.Builder schema = ResponseFormatTextJsonSchemaConfig.Schema.builder();
                Conversation.WEATHER_SCHEMA.forEach((k, v) -> schema.putAdditionalProperty(k, JsonValue.from(v)));
                b.text(ResponseTextConfig.builder().format(ResponseFormatTextJsonSchemaConfig.builder().name("weather").strict(true)
                        .schema(schema.build()).build()).build());
            }
            // The Responses API has no stop sequences: sent anyway, so the cell shows what a caller gets.
            if (!spec.stop().isEmpty()) b.putAdditionalBodyProperty("stop", JsonValue.from(spec.stop()));
            if (spec.maxTokens() != null) b.maxOutputTokens(spec.maxTokens());
            try {
                if (!stream) {
                    return result(client.responses().create(b.build()), true);
                }
                ResponseAccumulator acc = ResponseAccumulator.create();
                boolean[] usageSeen = {false};
                try (StreamResponse<ResponseStreamEvent> s = client.responses().createStreaming(b.build())) {
                    s.stream().forEach(e -> {
                        acc.accumulate(e);
                        if (e.isCompleted() && e.asCompleted().response().usage().isPresent()) usageSeen[0] = true;
                        if (e.isIncomplete() && e.asIncomplete().response().usage().isPresent()) usageSeen[0] = true;
                    });
                }
                return result(acc.response(), usageSeen[0]);
            } catch (OpenAIServiceException e) {
                throw new CallerError(e.statusCode(), e.type().orElse(null), e.getMessage(), e.headers().values("retry-after"), e);
            }
        }

        private static Result result(Response r, boolean usageSeen) {
            StringBuilder text = new StringBuilder();
            List<Call> calls = new ArrayList<>();
            for (ResponseOutputItem item : r.output()) {
                if (item.isMessage()) item.asMessage().content().forEach(c -> c.outputText().ifPresent(t -> text.append(t.text())));
                if (item.isFunctionCall()) {
                    ResponseFunctionToolCall f = item.asFunctionCall();
                    calls.add(new Call(f.callId(), f.name(), f.arguments()));
                }
            }
            String status = r.status().map(st -> st.asString()).orElse("null");
            Finish finish = switch (status) {
                case "completed" -> calls.isEmpty() ? Finish.STOP : Finish.TOOLS;
                case "incomplete" -> r.incompleteDetails().flatMap(d -> d.reason()).map(x -> x.asString()).orElse("")
                        .equals("max_output_tokens") ? Finish.LENGTH : Finish.OTHER;
                default -> Finish.OTHER;
            };
            long in = r.usage().map(u -> u.inputTokens()).orElse(-1L);
            long out = r.usage().map(u -> u.outputTokens()).orElse(-1L);
            return new Result(text.toString(), finish, status, calls, in, out, usageSeen && r.usage().isPresent(), null);
        }
    }
}
