package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.canonical.ResponseFormat;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.ToolChoice;
import dev.gatehouse.canonical.ToolDefinition;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Canonical chat and embeddings requests to OpenAI Chat Completions and Embeddings bodies, streamed
 * straight to bytes with a JSON generator (no tree): the hot path for OpenAI-compatible upstreams.
 */
final class OpenAiRequestEncoder {
    private OpenAiRequestEncoder() {}

    static Buffer encodeChat(ChatRequest r) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("model", r.model());
            g.writeArrayFieldStart("messages");
            for (Message m : r.messages()) {
                writeMessage(g, m);
            }
            g.writeEndArray();
            if (r.temperature() != null) {
                g.writeNumberField("temperature", r.temperature());
            }
            if (r.topP() != null) {
                g.writeNumberField("top_p", r.topP());
            }
            if (r.maxTokens() != null) {
                // max_tokens is deprecated and refused by reasoning models; max_completion_tokens works for all.
                g.writeNumberField("max_completion_tokens", r.maxTokens());
            }
            if (!r.stop().isEmpty()) {
                g.writeArrayFieldStart("stop");
                for (String s : r.stop()) {
                    g.writeString(s);
                }
                g.writeEndArray();
            }
            if (r.seed() != null) {
                g.writeNumberField("seed", r.seed());
            }
            if (!r.tools().isEmpty()) {
                g.writeArrayFieldStart("tools");
                for (ToolDefinition t : r.tools()) {
                    g.writeStartObject();
                    g.writeStringField("type", "function");
                    g.writeObjectFieldStart("function");
                    g.writeStringField("name", t.name());
                    if (t.description() != null) {
                        g.writeStringField("description", t.description());
                    }
                    if (t.parameters() != null) {
                        g.writeFieldName("parameters");
                        OpenAiJson.MAPPER.writeTree(g, t.parameters());
                    }
                    if (t.strict() != null) {
                        g.writeBooleanField("strict", t.strict());
                    }
                    g.writeEndObject();
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            if (r.toolChoice() != null) {
                switch (r.toolChoice()) {
                    case ToolChoice.Auto a -> g.writeStringField("tool_choice", "auto");
                    case ToolChoice.None n -> g.writeStringField("tool_choice", "none");
                    case ToolChoice.Required q -> g.writeStringField("tool_choice", "required");
                    case ToolChoice.Named n -> {
                        g.writeObjectFieldStart("tool_choice");
                        g.writeStringField("type", "function");
                        g.writeObjectFieldStart("function");
                        g.writeStringField("name", n.name());
                        g.writeEndObject();
                        g.writeEndObject();
                    }
                }
            }
            if (r.parallelToolCalls() != null) {
                g.writeBooleanField("parallel_tool_calls", r.parallelToolCalls());
            }
            if (r.responseFormat() != null) {
                g.writeObjectFieldStart("response_format");
                switch (r.responseFormat()) {
                    case ResponseFormat.Text t -> g.writeStringField("type", "text");
                    case ResponseFormat.JsonObject o -> g.writeStringField("type", "json_object");
                    case ResponseFormat.JsonSchema s -> {
                        g.writeStringField("type", "json_schema");
                        g.writeObjectFieldStart("json_schema");
                        g.writeStringField("name", s.name());
                        if (s.schema() != null) {
                            g.writeFieldName("schema");
                            OpenAiJson.MAPPER.writeTree(g, s.schema());
                        }
                        if (s.strict() != null) {
                            g.writeBooleanField("strict", s.strict());
                        }
                        g.writeEndObject();
                    }
                }
                g.writeEndObject();
            }
            if (r.reasoningEffort() != null) {
                g.writeStringField("reasoning_effort", r.reasoningEffort());
            }
            if (r.stream()) {
                g.writeBooleanField("stream", true);
                if (r.includeUsage()) {
                    g.writeObjectFieldStart("stream_options");
                    g.writeBooleanField("include_usage", true);
                    g.writeEndObject();
                }
            }
            if (r.user() != null) {
                g.writeStringField("user", r.user());
            }
            writeExtra(g, r.extra());
            g.writeEndObject();
        });
    }

    private static void writeMessage(JsonGenerator g, Message m) throws IOException {
        g.writeStartObject();
        g.writeStringField("role", m.role().name().toLowerCase(Locale.ROOT));
        g.writeFieldName("content");
        writeContent(g, m.content());
        if (!m.toolCalls().isEmpty()) {
            g.writeArrayFieldStart("tool_calls");
            for (ToolCall c : m.toolCalls()) {
                g.writeStartObject();
                g.writeStringField("id", c.id());
                g.writeStringField("type", "function");
                g.writeObjectFieldStart("function");
                g.writeStringField("name", c.name());
                g.writeStringField("arguments", c.arguments());
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        if (m.toolCallId() != null) {
            g.writeStringField("tool_call_id", m.toolCallId());
        }
        if (m.name() != null) {
            g.writeStringField("name", m.name());
        }
        writeExtra(g, m.extra().containsKey(Message.CACHE_CONTROL) ? withoutCacheControl(m.extra()) : m.extra());
        g.writeEndObject();
    }

    /** A single text part as a plain string (the common shape); anything else as parts; none as null. */
    private static void writeContent(JsonGenerator g, List<ContentPart> content) throws IOException {
        List<ContentPart> parts = content.stream().filter(p -> !(p instanceof ContentPart.Reasoning)).toList();
        if (parts.isEmpty()) {
            g.writeNull();
            return;
        }
        if (parts.size() == 1 && parts.get(0) instanceof ContentPart.Text t) {
            g.writeString(t.text());
            return;
        }
        g.writeStartArray();
        for (ContentPart p : parts) {
            switch (p) {
                case ContentPart.Text t -> {
                    g.writeStartObject();
                    g.writeStringField("type", "text");
                    g.writeStringField("text", t.text());
                    g.writeEndObject();
                }
                case ContentPart.Image i -> {
                    g.writeStartObject();
                    g.writeStringField("type", "image_url");
                    g.writeObjectFieldStart("image_url");
                    g.writeStringField("url", i.url());
                    if (i.detail() != null) {
                        g.writeStringField("detail", i.detail());
                    }
                    g.writeEndObject();
                    g.writeEndObject();
                }
                case ContentPart.Other o -> OpenAiJson.MAPPER.writeTree(g, o.raw());
                case ContentPart.Reasoning r -> { } // filtered above: OpenAI chat has no place for it
            }
        }
        g.writeEndArray();
    }

    /** A prompt-cache breakpoint (from an Anthropic caller) has no OpenAI field: OpenAI caches prefixes by itself. */
    private static Map<String, JsonNode> withoutCacheControl(Map<String, JsonNode> extra) {
        Map<String, JsonNode> copy = new java.util.LinkedHashMap<>(extra);
        copy.remove(Message.CACHE_CONTROL);
        return copy;
    }

    private static void writeExtra(JsonGenerator g, Map<String, JsonNode> extra) throws IOException {
        for (Map.Entry<String, JsonNode> e : extra.entrySet()) {
            g.writeFieldName(e.getKey());
            OpenAiJson.MAPPER.writeTree(g, e.getValue());
        }
    }

    static Buffer encodeEmbeddings(EmbeddingRequest r) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("model", r.model());
            g.writeArrayFieldStart("input");
            for (String s : r.inputs()) {
                g.writeString(s);
            }
            g.writeEndArray();
            if (r.dimensions() != null) {
                g.writeNumberField("dimensions", r.dimensions());
            }
            if (r.encodingFormat() != null) {
                g.writeStringField("encoding_format", r.encodingFormat());
            }
            if (r.user() != null) {
                g.writeStringField("user", r.user());
            }
            writeExtra(g, r.extra());
            g.writeEndObject();
        });
    }

    private interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private static Buffer write(Writer w) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = OpenAiJson.FACTORY.createGenerator(out)) {
            w.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }
}
