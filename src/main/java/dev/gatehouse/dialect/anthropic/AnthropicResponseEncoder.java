package dev.gatehouse.dialect.anthropic;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.anthropic.AnthropicFormat;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;

/** A canonical answer as an Anthropic {@code message} object. */
public final class AnthropicResponseEncoder {
    private AnthropicResponseEncoder() {}

    /** @param model the model name to show the caller */
    public static Buffer encode(ChatResponse response, String model) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = OpenAiJson.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", messageId(response.id()));
            g.writeStringField("type", "message");
            g.writeStringField("role", "assistant");
            g.writeStringField("model", model != null ? model : response.model());
            g.writeArrayFieldStart("content");
            for (ContentPart part : response.content()) {
                switch (part) {
                    case ContentPart.Text t -> {
                        g.writeStartObject();
                        g.writeStringField("type", "text");
                        g.writeStringField("text", t.text());
                        g.writeEndObject();
                    }
                    case ContentPart.Reasoning r -> writeReasoning(g, r);
                    case ContentPart.Other o -> {
                        if (o.type().equals("refusal") && o.raw().has("refusal")) { // an OpenAI refusal reads as text
                            g.writeStartObject();
                            g.writeStringField("type", "text");
                            g.writeStringField("text", o.raw().get("refusal").asText());
                            g.writeEndObject();
                        } else {
                            OpenAiJson.MAPPER.writeTree(g, o.raw());
                        }
                    }
                    case ContentPart.Image i -> { } // answers carry no images in any supported format
                }
            }
            for (ToolCall call : response.toolCalls()) {
                g.writeStartObject();
                g.writeStringField("type", "tool_use");
                g.writeStringField("id", call.id());
                g.writeStringField("name", call.name());
                g.writeFieldName("input");
                OpenAiJson.MAPPER.writeTree(g, input(call));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("stop_reason", AnthropicFormat.stopReason(response.finishReason()));
            JsonNode stopSequence = response.extra().get("stop_sequence");
            g.writeStringField("stop_sequence", stopSequence != null && stopSequence.isTextual() ? stopSequence.textValue() : null);
            g.writeFieldName("usage");
            writeUsage(g, response.usage() == null ? Usage.ZERO : response.usage(), true);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }

    static void writeReasoning(JsonGenerator g, ContentPart.Reasoning r) throws IOException {
        g.writeStartObject();
        if (r.redacted()) {
            g.writeStringField("type", "redacted_thinking");
            g.writeStringField("data", r.signature());
        } else {
            g.writeStringField("type", "thinking");
            g.writeStringField("thinking", r.text());
            g.writeStringField("signature", r.signature() == null ? "" : r.signature());
        }
        g.writeEndObject();
    }

    /** Anthropic's usage object; input_tokens is the uncached part, as Anthropic reports it. */
    static void writeUsage(JsonGenerator g, Usage usage, boolean withInput) throws IOException {
        g.writeStartObject();
        if (withInput) {
            g.writeNumberField("input_tokens", AnthropicFormat.uncachedInput(usage));
            g.writeNumberField("cache_creation_input_tokens", usage.cacheWriteTokens());
            g.writeNumberField("cache_read_input_tokens", usage.cachedInputTokens());
        }
        g.writeNumberField("output_tokens", usage.outputTokens());
        g.writeEndObject();
    }

    /** A tool call's arguments as the object Anthropic's {@code input} must be. */
    static JsonNode input(ToolCall call) {
        String args = call.arguments();
        if (args == null || args.isBlank()) {
            return OpenAiJson.MAPPER.createObjectNode();
        }
        try {
            JsonNode node = OpenAiJson.MAPPER.readTree(args);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (IOException ignored) {
            // reported below
        }
        throw new UpstreamException(UpstreamError.of(ErrorClass.UPSTREAM_ERROR, "the model called tool '" + call.name()
                + "' with arguments that are not a JSON object, which the Anthropic format cannot carry"));
    }

    /**
     * The answer's id in Anthropic's shape ({@code msg_} and letters and digits): an Anthropic id is
     * kept; another format's (OpenAI's {@code chatcmpl-…}, Gemini's responseId) keeps its letters
     * and digits behind {@code msg_}, so it can still be matched with the upstream's logs; no id
     * gets a random one. Clients that check the prefix (or store ids by it) see one shape.
     */
    static String messageId(String id) {
        if (id != null && id.startsWith("msg_")) {
            return id;
        }
        StringBuilder out = new StringBuilder("msg_");
        if (id != null) {
            String rest = id.startsWith("chatcmpl-") ? id.substring("chatcmpl-".length()) : id;
            for (int i = 0; i < rest.length(); i++) {
                char c = rest.charAt(i);
                if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
                    out.append(c);
                }
            }
        }
        return out.length() > 4 ? out.toString() : "msg_" + UUID.randomUUID().toString().replace("-", "");
    }
}
