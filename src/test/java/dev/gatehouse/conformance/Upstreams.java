package dev.gatehouse.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.conformance.Conversation.AssistantCalls;
import dev.gatehouse.conformance.Conversation.AssistantText;
import dev.gatehouse.conformance.Conversation.Call;
import dev.gatehouse.conformance.Conversation.Msg;
import dev.gatehouse.conformance.Conversation.Spec;
import dev.gatehouse.conformance.Conversation.ToolResult;
import dev.gatehouse.conformance.Conversation.UserText;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeBedrock;
import dev.gatehouse.testing.FakeCohere;
import dev.gatehouse.testing.FakeMistral;
import dev.gatehouse.testing.FakeGemini;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import dev.gatehouse.testing.RecordedRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * The upstreams behind the gateway (OpenAI, Anthropic, Gemini, and Bedrock and Vertex AI): how to make each strict fake answer a scenario,
 * what usage it reports (so a cell can check the caller saw exactly those numbers), and what its
 * received request must look like in that provider's own API.
 */
final class Upstreams {
    private Upstreams() {
    }

    /** Text the fakes count as one token per word (split after spaces), as both the Anthropic and Gemini fakes do. */
    static int words(String text) {
        return text.isEmpty() ? 0 : text.split("(?<= )").length;
    }

    abstract static class Upstream {
        /** The gateway model name that routes here. */
        abstract String model();

        abstract String name();

        /** The wire format the upstream speaks (a caller of the same format may pass its bytes through). */
        String format() {
            return name();
        }

        abstract void reset();

        abstract void answerText(String text);

        /** Answer with these tool calls; {@code ids} are the ids the provider gives them (ignored by Gemini, which has none). */
        abstract void answerCalls(List<Call> calls);

        /**
         * Structured output: the JSON text the model produces. {@code passthrough}: the caller speaks
         * this upstream's format, so its own structured-output field reaches the provider unchanged.
         */
        abstract void answerJson(String json, boolean passthrough);

        /** The model would say {@code full}; a stop sequence cuts it to {@code cut}. */
        abstract void answerStopped(String full, String cut);

        /** The model would say {@code full}; max tokens cut it to {@code cut}. */
        abstract void answerTruncated(String full, String cut);

        /** The next request fails with a rate limit (Retry-After 3 s); returns the provider's message. */
        abstract String failRateLimited();

        /** The next request fails with a 400; returns the provider's message. */
        abstract String failBadRequest();

        /** Usage the fake reports for an answer of this text / these many calls / a JSON answer. */
        abstract long expectedInput();

        abstract long expectedOutput(String text, int calls, boolean json);

        /** Gemini synthesises tool call ids; the others keep the provider's. */
        boolean keepsToolCallIds() {
            return true;
        }

        abstract List<RecordedRequest> requests();

        /** Where this cell's requests begin in a fake's log (the fakes keep every request they ever got). */
        private int seen;

        /** Marks the end of {@code log}, at a cell's reset: {@link #since} returns only what comes after. */
        void mark(List<RecordedRequest> log) {
            seen = log.size();
        }

        /** The requests of {@code log} after the {@link #mark}. */
        List<RecordedRequest> since(List<RecordedRequest> log) {
            return log.subList(Math.min(seen, log.size()), log.size());
        }

        RecordedRequest last() {
            return requests().getLast();
        }

        /** Asserts the provider-specific shape of the translated request for this spec. */
        abstract void checkRequest(Spec spec, boolean stream, RecordedRequest r);

        @Override
        public String toString() {
            return name();
        }
    }

    /** Text of an OpenAI message content (string or array of text parts). */
    static String openAiText(JsonNode content) {
        if (content.isTextual()) return content.asText();
        StringBuilder sb = new StringBuilder();
        for (JsonNode p : content) if (p.path("type").asText().equals("text")) sb.append(p.path("text").asText());
        return sb.toString();
    }

    static String anthropicText(JsonNode content) {
        if (content.isTextual()) return content.asText();
        StringBuilder sb = new StringBuilder();
        for (JsonNode b : content) if (b.path("type").asText().equals("text")) sb.append(b.path("text").asText());
        return sb.toString();
    }

    static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isTextual()) out.add(node.asText());
        for (JsonNode n : node) out.add(n.asText());
        return out;
    }

    static List<Call> callsIn(Spec spec) {
        List<Call> calls = new ArrayList<>();
        for (Msg m : spec.messages()) if (m instanceof AssistantCalls a) calls.addAll(a.calls());
        return calls;
    }

    static List<ToolResult> resultsIn(Spec spec) {
        List<ToolResult> out = new ArrayList<>();
        for (Msg m : spec.messages()) if (m instanceof ToolResult t) out.add(t);
        return out;
    }

    /** The ids of the tool calls and of the calls the tool results answer, as sent: the spec's, in order. */
    static void checkToolIds(Spec spec, List<String> callIds, List<String> resultIds) {
        assertThat(callIds).isEqualTo(callsIn(spec).stream().map(Call::id).toList());
        assertThat(resultIds).isEqualTo(resultsIn(spec).stream().map(ToolResult::callId).toList());
    }

    /** {@link #checkToolIds} for OpenAI-shaped messages (OpenAI, Mistral, Cohere): assistant {@code tool_calls}, {@code tool} messages. */
    static void checkOpenAiToolIds(Spec spec, JsonNode messages) {
        List<String> callIds = new ArrayList<>();
        List<String> resultIds = new ArrayList<>();
        for (JsonNode m : messages) {
            for (JsonNode tc : m.path("tool_calls")) callIds.add(tc.path("id").asText());
            if (m.path("role").asText().equals("tool")) resultIds.add(m.path("tool_call_id").asText());
        }
        checkToolIds(spec, callIds, resultIds);
    }

    static List<String> imagesIn(Spec spec) {
        List<String> out = new ArrayList<>();
        for (Msg m : spec.messages()) if (m instanceof UserText u) out.addAll(u.imageUrls());
        return out;
    }

    // ------------------------------------------------------------------ OpenAI

    static final class OpenAi extends Upstream {
        final FakeOpenAi fake;

        OpenAi(FakeOpenAi fake) {
            this.fake = fake;
        }

        @Override String model() { return "m-openai"; }
        @Override String name() { return "openai"; }
        @Override void reset() { fake.reset(); fake.usage(12, 7, 0, 0).chunkDelay(java.time.Duration.ofMillis(1)); }
        @Override void answerText(String text) { fake.answer(text); }
        @Override void answerCalls(List<Call> calls) {
            fake.toolCalls(calls.stream().map(c -> new FakeOpenAi.ToolCallSpec(c.id(), c.name(), c.args()))
                    .toArray(FakeOpenAi.ToolCallSpec[]::new));
        }
        @Override void answerJson(String json, boolean passthrough) { fake.answer(json); }
        // The OpenAI fake does not apply stop/max_tokens itself: it answers what the real API would.
        @Override void answerStopped(String full, String cut) { fake.answer(cut).finishReason("stop"); }
        @Override void answerTruncated(String full, String cut) { fake.answer(cut).finishReason("length"); }
        @Override String failRateLimited() {
            fake.failNext(1, Fault.rateLimited(3));
            return "Rate limit reached for gpt-4o";
        }
        @Override String failBadRequest() {
            fake.failNext(1, Fault.error(400, "invalid_request_error", null,
                    "Invalid 'messages[0].content': string too long (fake).", "messages"));
            return "Invalid 'messages[0].content': string too long (fake).";
        }
        @Override long expectedInput() { return 12; }
        @Override long expectedOutput(String text, int calls, boolean json) { return 7; }
        @Override List<RecordedRequest> requests() { return fake.requests(); }

        @Override
        void checkRequest(Spec spec, boolean stream, RecordedRequest r) {
            JsonNode j = r.json();
            assertThat(r.path()).isEqualTo("/v1/chat/completions");
            assertThat(j.path("model").asText()).isEqualTo("gpt-4o");
            assertThat(j.path("stream").asBoolean(false)).isEqualTo(stream);
            if (stream) assertThat(j.path("stream_options").path("include_usage").asBoolean()).as("include_usage").isTrue();
            JsonNode messages = j.path("messages");
            int first = 0;
            if (spec.system() != null) {
                assertThat(messages.get(0).path("role").asText()).isIn("system", "developer");
                assertThat(openAiText(messages.get(0).path("content"))).isEqualTo(spec.system());
                first = 1;
            }
            assertThat(messages.get(first).path("role").asText()).isEqualTo("user");
            if (spec.maxTokens() != null) {
                assertThat(j.has("max_completion_tokens") ? j.get("max_completion_tokens").asInt() : j.path("max_tokens").asInt())
                        .isEqualTo(spec.maxTokens());
            }
            if (!spec.stop().isEmpty()) assertThat(strings(j.path("stop"))).isEqualTo(spec.stop());
            if (spec.tools()) assertThat(j.path("tools").path(0).path("function").path("name").asText()).isEqualTo("get_weather");
            if (spec.jsonSchema()) {
                assertThat(j.path("response_format").path("type").asText()).isEqualTo("json_schema");
                assertThat(j.path("response_format").path("json_schema").path("schema").path("required").toString()).contains("temp");
            }
            checkOpenAiToolIds(spec, messages);
            List<String> images = new ArrayList<>();
            for (JsonNode m : messages) {
                for (JsonNode p : m.path("content")) if (p.path("type").asText().equals("image_url")) images.add(p.path("image_url").path("url").asText());
            }
            assertThat(images).isEqualTo(imagesIn(spec));
            for (Msg m : spec.messages()) {
                if (m instanceof AssistantText a) {
                    assertThat(messages.findValues("content").stream().map(Upstreams::openAiText).toList()).contains(a.text());
                }
            }
        }
    }

    // ------------------------------------------------------------------ Anthropic

    static class Anthropic extends Upstream {
        final FakeAnthropic fake;

        Anthropic(FakeAnthropic fake) {
            this.fake = fake;
        }

        @Override String model() { return "m-anthropic"; }
        @Override String name() { return "anthropic"; }
        @Override void reset() { fake.reset(); }
        @Override void answerText(String text) { fake.answer(text); }
        @Override void answerCalls(List<Call> calls) {
            fake.answer("").toolUses(calls.stream().map(c -> new FakeAnthropic.ToolUse(c.id(), c.name(), c.args()))
                    .toArray(FakeAnthropic.ToolUse[]::new));
        }
        /**
         * Translated, the gateway asks Claude for structured output with a forced tool and the model
         * answers by calling it; passed through, Anthropic's output_config makes the text the JSON.
         */
        @Override void answerJson(String json, boolean passthrough) {
            if (passthrough) fake.answer(json);
            else fake.answer("").toolUses(new FakeAnthropic.ToolUse("toolu_json1", "gatehouse_json_output", json));
        }
        private boolean passthrough(RecordedRequest r) {
            return r.json().has("output_config");
        }
        @Override void answerStopped(String full, String cut) { fake.answer(full); }
        @Override void answerTruncated(String full, String cut) { fake.answer(full); }
        @Override String failRateLimited() {
            String msg = "Number of request tokens has exceeded your per-minute rate limit (fake)";
            fake.failNext(1, FakeAnthropic.Failure.http(429, "rate_limit_error", msg).withHeader("retry-after", "3"));
            return msg;
        }
        @Override String failBadRequest() {
            String msg = "messages.0.content.0.text: prompt is too long (fake)";
            fake.failNext(1, FakeAnthropic.Failure.http(400, "invalid_request_error", msg));
            return msg;
        }
        @Override long expectedInput() { return 25; }
        @Override long expectedOutput(String text, int calls, boolean json) { return json && fake.lastRequest().json().has("tools") ? 10 : words(text) + 10L * calls; }
        @Override List<RecordedRequest> requests() { return fake.requests(); }

        @Override
        void checkRequest(Spec spec, boolean stream, RecordedRequest r) {
            JsonNode j = r.json();
            assertThat(r.path()).isEqualTo("/v1/messages");
            assertThat(r.header("anthropic-version")).isNotBlank();
            assertThat(r.header("x-api-key")).isEqualTo(FakeAnthropic.DEFAULT_KEY);
            assertThat(j.path("model").asText()).isEqualTo("claude-sonnet-4-5");
            assertThat(j.path("stream").asBoolean(false)).isEqualTo(stream);
            assertThat(j.path("max_tokens").isIntegralNumber()).as("max_tokens is required by Anthropic").isTrue();
            if (spec.maxTokens() != null) assertThat(j.path("max_tokens").asInt()).isEqualTo(spec.maxTokens());
            if (spec.system() != null) {
                assertThat(anthropicText(j.path("system"))).as("system is top-level").isEqualTo(spec.system());
            } else {
                assertThat(j.has("system")).isFalse();
            }
            JsonNode messages = j.path("messages");
            for (JsonNode m : messages) assertThat(m.path("role").asText()).isIn("user", "assistant");
            if (!spec.stop().isEmpty()) assertThat(strings(j.path("stop_sequences"))).isEqualTo(spec.stop());
            if (spec.tools()) {
                assertThat(j.path("tools").path(0).path("name").asText()).isEqualTo("get_weather");
                assertThat(j.path("tools").path(0).path("input_schema").path("properties").has("city")).isTrue();
            }
            if (spec.jsonSchema() && passthrough(r)) {
                assertThat(j.path("output_config").path("format").path("schema").path("required").toString()).contains("temp");
            } else if (spec.jsonSchema()) {
                assertThat(j.path("tool_choice").path("type").asText()).isEqualTo("tool");
                assertThat(j.path("tool_choice").path("name").asText()).isEqualTo("gatehouse_json_output");
                assertThat(j.path("tools").path(0).path("input_schema").path("required").toString()).contains("temp");
            }
            List<String> uses = new ArrayList<>();
            List<String> results = new ArrayList<>();
            List<String> images = new ArrayList<>();
            for (JsonNode m : messages) {
                for (JsonNode b : m.path("content")) {
                    switch (b.path("type").asText()) {
                        case "tool_use" -> uses.add(b.path("id").asText());
                        case "tool_result" -> results.add(b.path("tool_use_id").asText());
                        case "image" -> images.add(b.path("source").path("type").asText().equals("base64")
                                ? "data:" + b.path("source").path("media_type").asText() + ";base64," + b.path("source").path("data").asText()
                                : b.path("source").path("url").asText());
                        default -> { }
                    }
                }
            }
            checkToolIds(spec, uses, results);
            assertThat(images).isEqualTo(imagesIn(spec));
            for (Msg m : spec.messages()) {
                if (m instanceof AssistantText a) {
                    assertThat(messages.findValues("content").stream().map(Upstreams::anthropicText).toList()).contains(a.text());
                }
            }
        }
    }

    // ------------------------------------------------------------------ Gemini

    static class Gemini extends Upstream {
        final FakeGemini fake;

        Gemini(FakeGemini fake) {
            this.fake = fake;
        }

        @Override String model() { return "m-gemini"; }
        @Override String name() { return "gemini"; }
        @Override void reset() { mark(fake.requests()); fake.answer("Hello from Gemini.").thought(null).blockPrompt(null).finishReason(null).usage(11, 0, 0).cutAfter(-1)
                .headDelay(java.time.Duration.ZERO); }
        @Override void answerText(String text) { fake.answer(text); }
        @Override void answerCalls(List<Call> calls) {
            fake.toolCalls(calls.stream().map(c -> new FakeGemini.Call(c.name(), c.args())).toArray(FakeGemini.Call[]::new));
        }
        @Override void answerJson(String json, boolean passthrough) { fake.answer(json); }
        @Override void answerStopped(String full, String cut) { fake.answer(full); }
        @Override void answerTruncated(String full, String cut) { fake.answer(full); }
        @Override String failRateLimited() {
            fake.failNextRateLimited(3);
            return "You exceeded your current quota";
        }
        @Override String failBadRequest() {
            String msg = "Request contains an invalid argument. (fake)";
            fake.failNext(400, "INVALID_ARGUMENT", msg);
            return msg;
        }
        @Override long expectedInput() { return 11; }
        @Override long expectedOutput(String text, int calls, boolean json) { return calls > 0 ? 5L * calls : words(text); }
        @Override boolean keepsToolCallIds() { return false; }
        @Override List<RecordedRequest> requests() { return since(fake.requests()); }

        @Override
        void checkRequest(Spec spec, boolean stream, RecordedRequest r) {
            JsonNode j = r.json();
            assertThat(r.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:" + (stream ? "streamGenerateContent" : "generateContent"));
            if (stream) assertThat(r.queryParam("alt")).isEqualTo("sse");
            assertThat(r.header("x-goog-api-key")).isEqualTo(FakeGemini.DEFAULT_KEY);
            if (spec.system() != null) {
                assertThat(j.path("systemInstruction").path("parts").path(0).path("text").asText()).as("systemInstruction").isEqualTo(spec.system());
            } else {
                assertThat(j.has("systemInstruction")).isFalse();
            }
            JsonNode contents = j.path("contents");
            for (JsonNode c : contents) assertThat(c.path("role").asText()).isIn("user", "model");
            JsonNode gen = j.path("generationConfig");
            if (spec.maxTokens() != null) assertThat(gen.path("maxOutputTokens").asInt()).isEqualTo(spec.maxTokens());
            if (!spec.stop().isEmpty()) assertThat(strings(gen.path("stopSequences"))).isEqualTo(spec.stop());
            if (spec.tools()) assertThat(j.path("tools").path(0).path("functionDeclarations").path(0).path("name").asText()).isEqualTo("get_weather");
            if (spec.jsonSchema()) {
                assertThat(gen.path("responseMimeType").asText()).isEqualTo("application/json");
                assertThat(gen.path("responseSchema").path("required").toString()).contains("temp");
            }
            List<String> calls = new ArrayList<>();
            List<String> responses = new ArrayList<>();
            int inline = 0;
            for (JsonNode c : contents) {
                for (JsonNode p : c.path("parts")) {
                    if (p.has("functionCall")) calls.add(p.get("functionCall").path("name").asText() + p.get("functionCall").path("args"));
                    if (p.has("functionResponse")) responses.add(p.get("functionResponse").path("name").asText());
                    if (p.has("inlineData")) inline++;
                }
            }
            assertThat(calls).isEqualTo(callsIn(spec).stream().map(c -> c.name() + c.argsJson()).toList());
            assertThat(responses).isEqualTo(resultsIn(spec).stream().map(t -> "get_weather").toList());
            assertThat(inline).as("images inlined (http URLs fetched by the gateway)").isEqualTo(imagesIn(spec).size());
            for (Msg m : spec.messages()) {
                if (m instanceof AssistantText a) {
                    assertThat(contents.toString()).contains(a.text());
                    assertThat(contents.findParents("text").stream().anyMatch(n -> n.path("text").asText().equals(a.text()))).isTrue();
                }
            }
        }
    }

    // ------------------------------------------------------------------ Vertex AI (through FakeVertex's OAuth check)

    /** Gemini on Vertex AI: the Gemini fake behind FakeVertex, which checked the OAuth token and the URL. */
    static final class VertexGemini extends Gemini {
        VertexGemini(FakeGemini fake) {
            super(fake);
        }

        @Override String model() { return "m-vertex-gemini"; }
        @Override String name() { return "vertex-gemini"; }
        @Override String format() { return "gemini"; }
    }

    /** Claude on Vertex AI: rawPredict / streamRawPredict, checked by FakeVertex, then the Anthropic fake. */
    static final class VertexAnthropic extends Anthropic {
        VertexAnthropic(FakeAnthropic fake) {
            super(fake);
        }

        @Override String model() { return "m-vertex-claude"; }
        @Override String name() { return "vertex-anthropic"; }
        @Override String format() { return "anthropic"; }
    }

    // ------------------------------------------------------------------ Bedrock

    static final class Bedrock extends Upstream {
        final FakeBedrock fake;

        Bedrock(FakeBedrock fake) {
            this.fake = fake;
        }

        @Override String model() { return "m-bedrock"; }
        @Override String name() { return "bedrock"; }
        @Override void reset() { fake.reset(); mark(fake.requests()); }
        @Override void answerText(String text) { fake.answer(text); }
        @Override void answerCalls(List<Call> calls) {
            fake.toolCalls(calls.stream().map(c -> new FakeBedrock.Call(c.id(), c.name(), c.args())).toArray(FakeBedrock.Call[]::new));
        }
        @Override void answerJson(String json, boolean passthrough) { fake.answer(json); }
        // The fake applies stop sequences and max tokens itself, as Bedrock does.
        @Override void answerStopped(String full, String cut) { fake.answer(full); }
        @Override void answerTruncated(String full, String cut) { fake.answer(full); }
        @Override String failRateLimited() {
            String msg = "Too many requests, please wait before trying again. (fake)";
            fake.failNext(429, "ThrottlingException", msg, 3);
            return msg;
        }
        @Override String failBadRequest() {
            String msg = "Malformed input request: the prompt is malformed (fake)";
            fake.failNext(400, "ValidationException", msg);
            return msg;
        }
        @Override long expectedInput() { return 12; }
        @Override long expectedOutput(String text, int calls, boolean json) { return json ? 5 : calls > 0 ? 5L * calls : words(text); }
        @Override List<RecordedRequest> requests() { return since(fake.requests()); }

        @Override
        void checkRequest(Spec spec, boolean stream, RecordedRequest r) {
            JsonNode j = r.json();
            assertThat(r.path()).isEqualTo("/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/" + (stream ? "converse-stream" : "converse"));
            assertThat(r.header("authorization")).as("SigV4 (verified by the fake)").startsWith("AWS4-HMAC-SHA256 ");
            assertThat(j.has("modelId")).isFalse();
            if (spec.system() != null) {
                assertThat(j.path("system").path(0).path("text").asText()).isEqualTo(spec.system());
            } else {
                assertThat(j.has("system")).isFalse();
            }
            JsonNode inference = j.path("inferenceConfig");
            if (spec.maxTokens() != null) assertThat(inference.path("maxTokens").asInt()).isEqualTo(spec.maxTokens());
            if (!spec.stop().isEmpty()) assertThat(strings(inference.path("stopSequences"))).isEqualTo(spec.stop());
            JsonNode tools = j.path("toolConfig").path("tools");
            if (spec.tools()) assertThat(tools.path(0).path("toolSpec").path("name").asText()).isEqualTo("get_weather");
            if (spec.jsonSchema()) {
                assertThat(j.path("toolConfig").path("toolChoice").path("tool").path("name").asText()).isEqualTo("gatehouse_json_output");
                assertThat(tools.path(0).path("toolSpec").path("inputSchema").path("json").path("required").toString()).contains("temp");
            }
            List<String> uses = new ArrayList<>();
            List<String> results = new ArrayList<>();
            int images = 0;
            for (JsonNode m : j.path("messages")) {
                for (JsonNode b : m.path("content")) {
                    if (b.has("toolUse")) uses.add(b.get("toolUse").path("toolUseId").asText());
                    if (b.has("toolResult")) results.add(b.get("toolResult").path("toolUseId").asText());
                    if (b.has("image")) images++;
                }
            }
            checkToolIds(spec, uses, results);
            assertThat(images).as("images as bytes (http URLs fetched by the gateway)").isEqualTo(imagesIn(spec).size());
            for (Msg m : spec.messages()) {
                if (m instanceof AssistantText a) {
                    assertThat(j.path("messages").findValues("text").stream().map(JsonNode::asText).toList()).contains(a.text());
                }
            }
        }
    }

    /** The image URLs (data and http) of OpenAI-shaped {@code image_url} parts, as Mistral and Cohere take them. */
    static List<String> imageUrlParts(JsonNode messages) {
        List<String> out = new ArrayList<>();
        for (JsonNode m : messages) {
            for (JsonNode p : m.path("content")) {
                if (p.path("type").asText().equals("image_url")) {
                    out.add(p.path("image_url").isTextual() ? p.path("image_url").asText() : p.path("image_url").path("url").asText());
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ Mistral

    static final class Mistral extends Upstream {
        final FakeMistral fake;

        Mistral(FakeMistral fake) {
            this.fake = fake;
        }

        @Override String model() { return "m-mistral"; }
        @Override String name() { return "mistral"; }
        @Override void reset() { fake.reset(); mark(fake.requests()); }
        @Override void answerText(String text) { fake.answer(text); }
        @Override void answerCalls(List<Call> calls) {
            fake.toolCalls(calls.stream().map(c -> new FakeMistral.Call(c.id(), c.name(), c.args())).toArray(FakeMistral.Call[]::new));
        }
        @Override void answerJson(String json, boolean passthrough) { fake.answer(json); }
        // Like OpenAI's, the fake answers what the real API would: the cut text and its finish reason.
        @Override void answerStopped(String full, String cut) { fake.answer(cut).finishReason("stop"); }
        @Override void answerTruncated(String full, String cut) { fake.answer(cut).finishReason("length"); }
        @Override String failRateLimited() {
            fake.failNext(429, "{\"object\":\"error\",\"message\":\"Requests rate limit exceeded (fake)\",\"type\":\"rate_limited\",\"param\":null,\"code\":\"1300\"}", 3);
            return "Requests rate limit exceeded (fake)";
        }
        @Override String failBadRequest() {
            fake.failNext(400, "{\"object\":\"error\",\"message\":\"Prompt contains 40000 tokens, too large for the request (fake)\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}");
            return "Prompt contains 40000 tokens";
        }
        @Override long expectedInput() { return 9; }
        @Override long expectedOutput(String text, int calls, boolean json) { return calls > 0 ? 8 : text.split(" ").length; }
        @Override List<RecordedRequest> requests() { return since(fake.requests()); }

        @Override
        void checkRequest(Spec spec, boolean stream, RecordedRequest r) {
            JsonNode j = r.json();
            assertThat(r.path()).isEqualTo("/v1/chat/completions");
            assertThat(j.path("model").asText()).isEqualTo("mistral-large-latest");
            assertThat(j.path("stream").asBoolean(false)).isEqualTo(stream);
            assertThat(j.has("stream_options")).isFalse();
            if (spec.system() != null) assertThat(openAiText(j.path("messages").get(0).path("content"))).isEqualTo(spec.system());
            if (spec.maxTokens() != null) assertThat(j.path("max_tokens").asInt()).isEqualTo(spec.maxTokens());
            if (!spec.stop().isEmpty()) assertThat(strings(j.path("stop"))).isEqualTo(spec.stop());
            if (spec.tools()) assertThat(j.path("tools").path(0).path("function").path("name").asText()).isEqualTo("get_weather");
            if (spec.jsonSchema()) {
                assertThat(j.path("response_format").path("json_schema").path("schema").path("required").toString()).contains("temp");
            }
            checkOpenAiToolIds(spec, j.path("messages"));
            assertThat(imageUrlParts(j.path("messages"))).isEqualTo(imagesIn(spec));
        }
    }

    // ------------------------------------------------------------------ Cohere

    static final class Cohere extends Upstream {
        final FakeCohere fake;

        Cohere(FakeCohere fake) {
            this.fake = fake;
        }

        @Override String model() { return "m-cohere"; }
        @Override String name() { return "cohere"; }
        @Override void reset() { fake.reset(); mark(fake.requests()); }
        @Override void answerText(String text) { fake.answer(text); }
        @Override void answerCalls(List<Call> calls) {
            fake.toolCalls(calls.stream().map(c -> new FakeCohere.Call(c.id(), c.name(), c.args())).toArray(FakeCohere.Call[]::new));
        }
        @Override void answerJson(String json, boolean passthrough) { fake.answer(json); }
        @Override void answerStopped(String full, String cut) { fake.answer(cut).finishReason("STOP_SEQUENCE"); }
        @Override void answerTruncated(String full, String cut) { fake.answer(cut).finishReason("MAX_TOKENS"); }
        @Override String failRateLimited() {
            String msg = "You are using a Trial key, which is limited to 10 API calls / minute (fake)";
            fake.failNext(429, msg, 3);
            return msg;
        }
        @Override String failBadRequest() {
            String msg = "invalid request: message must be at least 1 token long (fake)";
            fake.failNext(400, msg);
            return msg;
        }
        @Override long expectedInput() { return 13; }
        @Override long expectedOutput(String text, int calls, boolean json) { return calls > 0 ? 6 : text.split(" ").length; }
        @Override List<RecordedRequest> requests() { return since(fake.requests()); }

        @Override
        void checkRequest(Spec spec, boolean stream, RecordedRequest r) {
            JsonNode j = r.json();
            assertThat(r.path()).isEqualTo("/v2/chat");
            assertThat(j.path("model").asText()).isEqualTo("command-a-03-2025");
            assertThat(j.path("stream").asBoolean(false)).isEqualTo(stream);
            if (spec.system() != null) {
                assertThat(j.path("messages").get(0).path("role").asText()).isEqualTo("system");
                assertThat(j.path("messages").get(0).path("content").asText()).isEqualTo(spec.system());
            }
            if (spec.maxTokens() != null) assertThat(j.path("max_tokens").asInt()).isEqualTo(spec.maxTokens());
            if (!spec.stop().isEmpty()) assertThat(strings(j.path("stop_sequences"))).isEqualTo(spec.stop());
            if (spec.tools()) assertThat(j.path("tools").path(0).path("function").path("name").asText()).isEqualTo("get_weather");
            if (spec.jsonSchema()) {
                assertThat(j.path("response_format").path("type").asText()).isEqualTo("json_object");
                assertThat(j.path("response_format").path("json_schema").path("required").toString()).contains("temp");
            }
            checkOpenAiToolIds(spec, j.path("messages"));
            assertThat(imageUrlParts(j.path("messages"))).isEqualTo(imagesIn(spec));
        }
    }
}
