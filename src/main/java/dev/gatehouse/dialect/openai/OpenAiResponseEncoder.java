package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.Usage;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;

/** Canonical answer to an OpenAI {@code chat.completion} object. */
public final class OpenAiResponseEncoder {
    private static final Set<String> WRITTEN = Set.of("id", "object", "created", "model", "choices", "usage");

    private OpenAiResponseEncoder() {}

    /** An answer decoded from an OpenAI-format upstream: its extra top-level fields are OpenAI's and are kept. */
    public static Buffer encode(ChatResponse response) {
        return encode(response, true);
    }

    /**
     * @param openAiExtras whether the response's extra top-level fields are OpenAI's (decoded from an
     *        OpenAI-format upstream). Fields of another format (Anthropic's {@code container},
     *        {@code stop_details}, …) mean nothing to an OpenAI client and must not leak across a translation.
     */
    public static Buffer encode(ChatResponse response, boolean openAiExtras) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = OpenAiJson.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", response.id());
            g.writeStringField("object", "chat.completion");
            g.writeNumberField("created", response.created());
            g.writeStringField("model", response.model());
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            g.writeObjectFieldStart("message");
            g.writeStringField("role", "assistant");
            String refusal = null;
            StringBuilder text = null;
            for (ContentPart part : response.content()) {
                if (part instanceof ContentPart.Text t) {
                    text = text == null ? new StringBuilder(t.text()) : text.append(t.text());
                } else if (part instanceof ContentPart.Other o && o.type().equals("refusal") && o.raw().has("refusal")) {
                    refusal = o.raw().get("refusal").asText();
                }
                // Reasoning has no place in an OpenAI chat completion; it is dropped here.
            }
            g.writeStringField("content", text == null ? null : text.toString());
            g.writeStringField("refusal", refusal);
            if (!response.toolCalls().isEmpty()) {
                g.writeArrayFieldStart("tool_calls");
                for (ToolCall call : response.toolCalls()) {
                    writeToolCall(g, call);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            g.writeNullField("logprobs");
            g.writeStringField("finish_reason", finishReason(response.finishReason()));
            g.writeEndObject();
            g.writeEndArray();
            if (response.usage() != null) {
                g.writeFieldName("usage");
                writeUsage(g, response.usage());
            }
            if (openAiExtras) {
                writeExtra(g, response.extra(), WRITTEN);
            } else if (response.extra().containsKey("citations")) {
                // Cohere's citations (where the answer's text came from) have no OpenAI field: kept as
                // a top-level "citations", as OpenAI-compatible gateways for Cohere report them.
                g.writeFieldName("citations");
                OpenAiJson.MAPPER.writeTree(g, response.extra().get("citations"));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }

    static void writeToolCall(JsonGenerator g, ToolCall call) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", call.id());
        g.writeStringField("type", "function");
        g.writeObjectFieldStart("function");
        g.writeStringField("name", call.name());
        g.writeStringField("arguments", call.arguments() == null ? "" : call.arguments());
        g.writeEndObject();
        g.writeEndObject();
    }

    /**
     * OpenAI finish reason text. {@code ERROR} has no OpenAI equivalent; "error" is sent rather
     * than "stop" so a client never takes a cut-off answer for a complete one.
     */
    public static String finishReason(FinishReason reason) {
        if (reason == null) {
            return null;
        }
        return switch (reason) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case TOOL_CALLS -> "tool_calls";
            case CONTENT_FILTER -> "content_filter";
            case ERROR -> "error";
        };
    }

    /** OpenAI's usage object, details included (cache writes have no OpenAI field). */
    public static void writeUsage(JsonGenerator g, Usage usage) throws IOException {
        g.writeStartObject();
        g.writeNumberField("prompt_tokens", usage.inputTokens());
        g.writeNumberField("completion_tokens", usage.outputTokens());
        g.writeNumberField("total_tokens", usage.totalTokens());
        g.writeObjectFieldStart("prompt_tokens_details");
        g.writeNumberField("cached_tokens", usage.cachedInputTokens());
        g.writeEndObject();
        g.writeObjectFieldStart("completion_tokens_details");
        g.writeNumberField("reasoning_tokens", usage.reasoningTokens());
        g.writeEndObject();
        g.writeEndObject();
    }

    static void writeExtra(JsonGenerator g, Map<String, JsonNode> extra, Set<String> skip) throws IOException {
        for (Map.Entry<String, JsonNode> e : extra.entrySet()) {
            if (!skip.contains(e.getKey())) {
                g.writeFieldName(e.getKey());
                OpenAiJson.MAPPER.writeTree(g, e.getValue());
            }
        }
    }
}
