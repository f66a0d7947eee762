package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsEncoder;
import dev.gatehouse.dialect.openai.OpenAiFinishReasons;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.canonical.ResponseFormat;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.ToolChoice;
import dev.gatehouse.canonical.ToolDefinition;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Excerpt;
import dev.gatehouse.provider.RetryAfter;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.WireCodec;
import dev.gatehouse.provider.WireFormat;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The OpenAI Chat Completions / Embeddings wire format, for OpenAI and OpenAI-compatible upstreams. */
public final class OpenAiWireCodec implements WireCodec {
    private static final Set<String> RESPONSE_KNOWN = Set.of("id", "object", "created", "model", "choices", "usage");

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI;
    }

    // ---------------------------------------------------------------- chat request

    @Override
    public Buffer encodeChat(ChatRequest r) {
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
        writeExtra(g, m.extra());
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

    private static void writeExtra(JsonGenerator g, Map<String, JsonNode> extra) throws IOException {
        for (Map.Entry<String, JsonNode> e : extra.entrySet()) {
            g.writeFieldName(e.getKey());
            OpenAiJson.MAPPER.writeTree(g, e.getValue());
        }
    }

    // ---------------------------------------------------------------- chat response

    @Override
    public ChatResponse decodeChat(Buffer body) {
        JsonNode root = readUpstream(body);
        JsonNode choice = root.path("choices").path(0);
        JsonNode message = choice.path("message");
        List<ContentPart> content = new ArrayList<>(2);
        JsonNode text = message.get("content");
        if (text != null && text.isTextual()) {
            content.add(new ContentPart.Text(text.textValue()));
        }
        JsonNode refusal = message.get("refusal");
        if (refusal != null && refusal.isTextual()) {
            ObjectNode raw = OpenAiJson.MAPPER.createObjectNode().put("type", "refusal").put("refusal", refusal.textValue());
            content.add(new ContentPart.Other("refusal", raw));
        }
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode fn = call.path("function");
            calls.add(new ToolCall(call.path("id").asText(null), fn.path("name").asText(null), fn.path("arguments").asText("")));
        }
        JsonNode usage = root.get("usage");
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        root.properties().forEach(e -> {
            if (!RESPONSE_KNOWN.contains(e.getKey())) {
                extra.put(e.getKey(), e.getValue());
            }
        });
        return new ChatResponse(root.path("id").asText(null), root.path("model").asText(null), root.path("created").asLong(0),
                content, calls, OpenAiFinishReasons.parse(choice.path("finish_reason").asText(null)),
                usage != null && usage.isObject() ? OpenAiFinishReasons.usage(usage) : null, extra);
    }

    @Override
    public StreamDecoder streamDecoder() {
        return new OpenAiStreamDecoder();
    }

    // ---------------------------------------------------------------- embeddings

    @Override
    public Buffer encodeEmbeddings(EmbeddingRequest r) {
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

    @Override
    public EmbeddingResponse decodeEmbeddings(Buffer body) {
        JsonNode root = readUpstream(body);
        List<JsonNode> data = new ArrayList<>();
        root.path("data").forEach(data::add);
        data.sort(Comparator.comparingInt(d -> d.path("index").asInt(0)));
        List<float[]> vectors = new ArrayList<>(data.size());
        for (JsonNode d : data) {
            JsonNode e = d.path("embedding");
            if (e.isTextual()) {
                vectors.add(OpenAiEmbeddingsEncoder.fromBase64(e.textValue()));
            } else {
                float[] v = new float[e.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = e.get(i).floatValue();
                }
                vectors.add(v);
            }
        }
        JsonNode usage = root.path("usage");
        return new EmbeddingResponse(root.path("model").asText(null), vectors,
                dev.gatehouse.canonical.Usage.of(usage.path("prompt_tokens").asLong(0), 0));
    }

    // ---------------------------------------------------------------- errors

    @Override
    public UpstreamError classify(int status, MultiMap headers, Buffer body) {
        String message = null;
        String code = null;
        String param = null;
        String type = null;
        String text = body == null ? "" : body.toString(StandardCharsets.UTF_8);
        try {
            JsonNode root = text.isBlank() ? null : OpenAiJson.MAPPER.readTree(text);
            JsonNode err = root == null ? null : root.has("error") ? root.get("error") : root;
            if (err != null && err.isObject()) {
                message = err.path("message").isTextual() ? err.path("message").textValue() : null;
                code = scalar(err.get("code"));
                param = scalar(err.get("param"));
                type = scalar(err.get("type"));
            } else if (err != null && err.isTextual()) {
                message = err.textValue();
            }
        } catch (IOException notJson) {
            // an HTML page from a proxy or load balancer: keep a readable piece of it
        }
        if (message == null) {
            String snippet = Excerpt.truncate(text.replaceAll("\\s+", " ").strip());
            message = "Upstream returned HTTP " + status + (snippet.isEmpty() ? "" : ": " + snippet);
        }
        return new UpstreamError(classOf(status, code, type, message), status, message, code, param, retryAfter(headers));
    }

    static ErrorClass classOf(int status, String code, String type, String message) {
        String lower = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if ("context_length_exceeded".equals(code) || lower.contains("maximum context length")
                || lower.contains("context_length_exceeded")) {
            return ErrorClass.CONTEXT_LENGTH;
        }
        if ("content_policy_violation".equals(code) || "content_filter".equals(code)
                || "content_policy_violation".equals(type)) {
            return ErrorClass.CONTENT_POLICY;
        }
        return switch (status) {
            case 429 -> ErrorClass.RATE_LIMIT;
            case 408, 504 -> ErrorClass.TIMEOUT;
            case 503, 529 -> ErrorClass.OVERLOADED;
            case 401 -> ErrorClass.AUTHENTICATION;
            case 403 -> ErrorClass.PERMISSION;
            case 404 -> ErrorClass.NOT_FOUND;
            default -> status >= 400 && status < 500 ? ErrorClass.BAD_REQUEST : ErrorClass.UPSTREAM_ERROR;
        };
    }

    /** An error object that arrived inside a 200 stream. */
    static UpstreamError classifyInBand(JsonNode error) {
        String message = error.isTextual() ? error.textValue() : error.path("message").asText("Upstream reported an error mid-stream");
        String code = scalar(error.get("code"));
        String type = scalar(error.get("type"));
        int status = 200;
        ErrorClass cls = classOf(0, code, type, message);
        if (cls == ErrorClass.UPSTREAM_ERROR) {
            String t = type == null ? "" : type;
            if (t.contains("rate_limit") || "rate_limit_exceeded".equals(code)) {
                cls = ErrorClass.RATE_LIMIT;
            } else if (t.contains("overloaded") || "server_is_overloaded".equals(code)) {
                cls = ErrorClass.OVERLOADED;
            } else if (t.equals("invalid_request_error")) {
                cls = ErrorClass.BAD_REQUEST;
            }
        }
        return new UpstreamError(cls, status, message, code, scalar(error.get("param")), null);
    }

    static Duration retryAfter(MultiMap headers) {
        if (headers == null) {
            return null;
        }
        Duration ms = RetryAfter.millis(headers.get("retry-after-ms"));
        if (ms != null) {
            return ms;
        }
        String ra = headers.get("retry-after");
        return ra == null || ra.isBlank() ? rateLimitReset(headers) : RetryAfter.parse(ra, Instant.now());
    }

    /**
     * Without Retry-After: when the exhausted limit resets, from OpenAI's
     * {@code x-ratelimit-reset-requests}/{@code -tokens} ("1s", "6m0s", "20ms"), preferring the
     * limits whose {@code x-ratelimit-remaining-*} is 0, the latest of them; null when absent.
     */
    static Duration rateLimitReset(MultiMap headers) {
        Duration exhausted = null;
        Duration any = null;
        for (String limit : new String[] {"requests", "tokens"}) {
            Duration reset = goDuration(headers.get("x-ratelimit-reset-" + limit));
            if (reset == null) {
                continue;
            }
            any = any == null || reset.compareTo(any) > 0 ? reset : any;
            if ("0".equals(headers.get("x-ratelimit-remaining-" + limit))) {
                exhausted = exhausted == null || reset.compareTo(exhausted) > 0 ? reset : exhausted;
            }
        }
        return exhausted != null ? exhausted : any;
    }

    private static final java.util.regex.Pattern GO_DURATION_PART =
            java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

    /** A Go-style duration as OpenAI writes it ("1s", "6m0s", "1h2m3.5s", "20ms"), or null. */
    static Duration goDuration(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        java.util.regex.Matcher m = GO_DURATION_PART.matcher(value.trim());
        double millis = 0;
        int at = 0;
        while (m.find() && m.start() == at) {
            double n = Double.parseDouble(m.group(1));
            millis += n * switch (m.group(2)) {
                case "h" -> 3_600_000;
                case "m" -> 60_000;
                case "s" -> 1_000;
                default -> 1;
            };
            at = m.end();
        }
        return at == 0 || at != value.trim().length() ? null : Duration.ofMillis((long) millis);
    }

    private static String scalar(JsonNode n) {
        return n == null || n.isNull() || n.isContainerNode() ? null : n.asText();
    }

    private static JsonNode readUpstream(Buffer body) {
        try {
            JsonNode root = OpenAiJson.MAPPER.readTree(body.getBytes());
            if (root == null || !root.isObject()) {
                throw new IOException("not an object");
            }
            return root;
        } catch (IOException e) {
            String text = body == null ? "" : body.toString(StandardCharsets.UTF_8);
            throw new UpstreamException(new UpstreamError(ErrorClass.UPSTREAM_ERROR, 200,
                    "Upstream sent a response that is not a JSON object: " + Excerpt.truncate(text), null, null, null));
        }
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
