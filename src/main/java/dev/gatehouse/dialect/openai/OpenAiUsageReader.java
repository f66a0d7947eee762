package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * Reads only the top-level {@code usage} of an OpenAI response, skipping everything else with
 * the streaming parser: on the fast path the gateway forwards the bytes and parses just what
 * accounting needs.
 */
public final class OpenAiUsageReader {
    private OpenAiUsageReader() {}

    /**
     * The reported usage, or null when the body has none. The whole body is scanned (nested values
     * skipped, never materialised) because the same-format path forwards these bytes as a
     * successful answer: a truncated or malformed body must fail the attempt (so the next target
     * can serve it, or the caller gets a 502) instead of reaching the caller as a 200.
     *
     * @throws UpstreamException when the body is not one complete JSON object
     */
    public static Usage read(Buffer body) {
        try (JsonParser p = OpenAiJson.parser(OpenAiJson.bytes(body))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw malformed("not a JSON object");
            }
            Usage usage = null;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("usage".equals(name) && value == JsonToken.START_OBJECT) {
                    usage = usage(p);
                } else {
                    p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw malformed("incomplete JSON");
            }
            return usage;
        } catch (IOException e) {
            throw malformed(e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage());
        }
    }

    private static UpstreamException malformed(String detail) {
        return new UpstreamException(UpstreamError.of(ErrorClass.UPSTREAM_ERROR,
                "malformed response from provider: " + detail));
    }

    private static Usage usage(JsonParser p) throws IOException {
        long input = 0, output = 0, cached = 0, reasoning = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            switch (name) {
                case "prompt_tokens" -> input = value.isNumeric() ? p.getLongValue() : 0;
                case "completion_tokens" -> output = value.isNumeric() ? p.getLongValue() : 0;
                case "prompt_tokens_details" -> cached = nested(p, value, "cached_tokens");
                case "completion_tokens_details" -> reasoning = nested(p, value, "reasoning_tokens");
                default -> p.skipChildren();
            }
        }
        return new Usage(input, output, cached, 0, reasoning);
    }

    private static long nested(JsonParser p, JsonToken value, String field) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            return 0;
        }
        long result = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (field.equals(name) && v.isNumeric()) {
                result = p.getLongValue();
            } else {
                p.skipChildren();
            }
        }
        return result;
    }
}
