package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Excerpt;
import dev.gatehouse.provider.RetryAfter;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.WireCodec;
import dev.gatehouse.provider.WireFormat;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAI Chat Completions / Embeddings wire format, for OpenAI and OpenAI-compatible upstreams.
 *
 * <p>One class per direction: {@link OpenAiRequestEncoder} (canonical request to OpenAI's),
 * {@link OpenAiResponseDecoder} (OpenAI's answer to canonical) and {@link OpenAiStreamDecoder}
 * (streamed answers). This class joins them behind {@link WireCodec} and classifies OpenAI's errors.
 */
public final class OpenAiWireCodec implements WireCodec {

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI;
    }

    // ---------------------------------------------------------------- requests and answers

    @Override
    public Buffer encodeChat(ChatRequest r) {
        return OpenAiRequestEncoder.encodeChat(r);
    }

    @Override
    public ChatResponse decodeChat(Buffer body) {
        return OpenAiResponseDecoder.decodeChat(body);
    }

    @Override
    public StreamDecoder streamDecoder() {
        return new OpenAiStreamDecoder();
    }

    @Override
    public Buffer encodeEmbeddings(EmbeddingRequest r) {
        return OpenAiRequestEncoder.encodeEmbeddings(r);
    }

    @Override
    public EmbeddingResponse decodeEmbeddings(Buffer body) {
        return OpenAiResponseDecoder.decodeEmbeddings(body);
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

    private static final Pattern GO_DURATION_PART =
            Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

    /** A Go-style duration as OpenAI writes it ("1s", "6m0s", "1h2m3.5s", "20ms"), or null. */
    static Duration goDuration(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Matcher m = GO_DURATION_PART.matcher(value.trim());
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
}
