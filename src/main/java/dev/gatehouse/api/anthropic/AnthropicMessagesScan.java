package dev.gatehouse.api.anthropic;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.dialect.openai.RequestScanner;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * What the Anthropic→Anthropic fast path needs from a Messages request, read in one streaming
 * pass without building a tree: the model (and its byte range, so it can be replaced in place),
 * stream, max_tokens and that messages is a non-empty array of objects.
 */
public record AnthropicMessagesScan(Buffer body, String model, boolean stream, Integer maxTokens, int modelStart, int modelEnd) {

    /** The top-level keys refused when repeated. */
    private static final RequestScanner.Rules RULES =
            new RequestScanner.Rules(RequestScanner.Wording.ANTHROPIC, "model", "stream", "max_tokens", "messages", "tools");

    /** @param requireMaxTokens true for {@code /v1/messages}, false for {@code count_tokens} */
    public static AnthropicMessagesScan scan(Buffer body, boolean requireMaxTokens) {
        return RequestScanner.scan(body, RULES, (p, scanner) -> scan(body, p, scanner, requireMaxTokens));
    }

    private static AnthropicMessagesScan scan(Buffer body, JsonParser p, RequestScanner scanner, boolean requireMaxTokens)
            throws IOException {
        String model = null;
        int modelStart = -1;
        int modelEnd = -1;
        Boolean stream = null;
        Integer maxTokens = null;
        int messages = -1;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = scanner.key(p);
            JsonToken v = p.nextToken();
            switch (name) {
                case "model" -> {
                    OpenAiJson.StringSpan span = scanner.string(p, v, "model");
                    model = span.text();
                    modelStart = span.start();
                    modelEnd = span.end();
                }
                case "stream" -> {
                    if (!v.isBoolean()) {
                        throw GatewayException.invalid("stream: Input should be a valid boolean, got " + OpenAiJson.describe(v) + ".", "stream");
                    }
                    stream = v == JsonToken.VALUE_TRUE;
                }
                case "max_tokens" -> {
                    if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 1) {
                        throw GatewayException.invalid("max_tokens: Input should be a positive integer, got "
                                + (v.isNumeric() ? p.getText() : OpenAiJson.describe(v)) + ".", "max_tokens");
                    }
                    maxTokens = p.getIntValue();
                }
                case "messages" -> messages = scanner.objectCount(p, v, "messages");
                default -> p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
            throw GatewayException.invalid("Request body is not a single valid JSON object.", null);
        }
        scanner.requireModel(model);
        if (messages < 0) {
            throw scanner.missing("messages");
        }
        if (messages == 0) {
            throw GatewayException.invalid("messages: at least one message is required", "messages");
        }
        if (requireMaxTokens && maxTokens == null) {
            throw scanner.missing("max_tokens");
        }
        return new AnthropicMessagesScan(body, model, stream != null && stream, maxTokens, modelStart, modelEnd);
    }

    /** The original bytes with only the model value replaced. */
    public Buffer withModel(String newModel) {
        return OpenAiJson.splice(body, new int[] {modelStart}, new int[] {modelEnd}, new byte[][] {OpenAiJson.quoted(newModel)});
    }
}
