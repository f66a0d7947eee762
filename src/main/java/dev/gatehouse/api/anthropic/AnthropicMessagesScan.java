package dev.gatehouse.api.anthropic;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.call.GatewayException;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What the Anthropic→Anthropic fast path needs from a Messages request, read in one streaming
 * pass without building a tree: the model (and its byte range, so it can be replaced in place),
 * stream, max_tokens and that messages is a non-empty array of objects.
 */
public record AnthropicMessagesScan(Buffer body, String model, boolean stream, Integer maxTokens, int modelStart, int modelEnd) {

    /** @param requireMaxTokens true for {@code /v1/messages}, false for {@code count_tokens} */
    public static AnthropicMessagesScan scan(Buffer body, boolean requireMaxTokens) {
        if (body == null || body.length() == 0) {
            throw GatewayException.invalid("Request body is empty; expected a JSON object.", null);
        }
        try (JsonParser p = OpenAiJson.parser(OpenAiJson.bytes(body))) {
            return scan(body, p, requireMaxTokens);
        } catch (JsonProcessingException e) {
            throw OpenAiJson.malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static AnthropicMessagesScan scan(Buffer body, JsonParser p, boolean requireMaxTokens) throws IOException {
        JsonToken first = p.nextToken();
        if (first == null) {
            throw GatewayException.invalid("Request body is empty; expected a JSON object.", null);
        }
        if (first != JsonToken.START_OBJECT) {
            throw GatewayException.invalid("Request body must be a JSON object"
                    + (first == null ? "." : ", got " + OpenAiJson.describe(first) + "."), null);
        }
        String model = null;
        int modelStart = -1;
        int modelEnd = -1;
        Boolean stream = null;
        Integer maxTokens = null;
        boolean seenMaxTokens = false;
        int messages = -1;
        boolean seenTools = false;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "model" -> {
                    OpenAiJson.StringSpan span = OpenAiJson.uniqueString(p, v, "model", modelStart >= 0,
                            "model: duplicate key in request body.", "model: Input should be a valid string, got ");
                    model = span.text();
                    modelStart = span.start();
                    modelEnd = span.end();
                }
                case "stream" -> {
                    if (stream != null) {
                        throw GatewayException.invalid("stream: duplicate key in request body.", "stream");
                    }
                    if (!v.isBoolean()) {
                        throw GatewayException.invalid("stream: Input should be a valid boolean, got " + OpenAiJson.describe(v) + ".", "stream");
                    }
                    stream = v == JsonToken.VALUE_TRUE;
                }
                case "max_tokens" -> {
                    if (seenMaxTokens) {
                        throw GatewayException.invalid("max_tokens: duplicate key in request body.", "max_tokens");
                    }
                    seenMaxTokens = true;
                    if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 1) {
                        throw GatewayException.invalid("max_tokens: Input should be a positive integer, got "
                                + (v.isNumeric() ? p.getText() : OpenAiJson.describe(v)) + ".", "max_tokens");
                    }
                    maxTokens = p.getIntValue();
                }
                case "messages" -> {
                    if (messages >= 0) {
                        throw GatewayException.invalid("messages: duplicate key in request body.", "messages");
                    }
                    if (v != JsonToken.START_ARRAY) {
                        throw GatewayException.invalid("messages: Input should be a valid list, got " + OpenAiJson.describe(v) + ".", "messages");
                    }
                    int count = 0;
                    JsonToken m;
                    while ((m = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (m != JsonToken.START_OBJECT) {
                            throw GatewayException.invalid("messages." + count + ": Input should be an object, got "
                                    + OpenAiJson.describe(m) + ".", "messages." + count);
                        }
                        p.skipChildren();
                        count++;
                    }
                    messages = count;
                }
                case "tools" -> {
                    if (seenTools) {
                        throw GatewayException.invalid("tools: duplicate key in request body.", "tools");
                    }
                    seenTools = true;
                    p.skipChildren();
                }
                default -> p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
            throw GatewayException.invalid("Request body is not a single valid JSON object.", null);
        }
        if (model == null) {
            throw GatewayException.invalid("model: Field required", "model");
        }
        if (model.isBlank()) {
            throw GatewayException.invalid("model: must not be empty.", "model");
        }
        if (messages < 0) {
            throw GatewayException.invalid("messages: Field required", "messages");
        }
        if (messages == 0) {
            throw GatewayException.invalid("messages: at least one message is required", "messages");
        }
        if (requireMaxTokens && maxTokens == null) {
            throw GatewayException.invalid("max_tokens: Field required", "max_tokens");
        }
        return new AnthropicMessagesScan(body, model, stream != null && stream, maxTokens, modelStart, modelEnd);
    }

    /** The original bytes with only the model value replaced. */
    public Buffer withModel(String newModel) {
        return OpenAiJson.splice(body, new int[] {modelStart}, new int[] {modelEnd}, new byte[][] {OpenAiJson.quoted(newModel)});
    }
}
