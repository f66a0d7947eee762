package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.gatehouse.call.GatewayException;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * Fast-path scan of an OpenAI embeddings request: validates {@code model}, {@code input} (a string,
 * an array of strings, an array of token ids or an array of token-id arrays), {@code encoding_format}
 * and {@code dimensions}, and records where the model value sits so it can be replaced in place.
 *
 * @param inputCount how many inputs (1 for a string or a single token array)
 * @param tokenInput whether the input is given as token ids rather than text
 * @param encodingFormat "float", "base64" or null when not given
 */
public record OpenAiEmbeddingsScan(
        Buffer body, String model, int inputCount, boolean tokenInput, String encodingFormat, Integer dimensions,
        int modelStart, int modelEnd) {

    /**
     * The most {@code dimensions} a caller may ask for: every embedding model offered today has at
     * most 4,096; a larger number is a mistake or an attempt to make a provider answer gigabytes.
     * The same bound as a model's {@code embedding-dimensions} in the configuration.
     */
    public static final int MAX_DIMENSIONS = 65_536;

    /** The top-level keys refused when repeated. */
    private static final RequestScanner.Rules RULES = new RequestScanner.Rules(RequestScanner.Wording.OPENAI, "model", "input");

    public static OpenAiEmbeddingsScan scan(Buffer body) {
        return RequestScanner.scan(body, RULES, (p, scanner) -> scan(body, p, scanner));
    }

    private static OpenAiEmbeddingsScan scan(Buffer body, JsonParser p, RequestScanner scanner) throws IOException {
        String model = null;
        int modelStart = -1;
        int modelEnd = -1;
        int inputCount = -1;
        boolean tokens = false;
        String format = null;
        Integer dimensions = null;
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
                case "input" -> {
                    if (v == JsonToken.VALUE_STRING) {
                        inputCount = 1;
                    } else if (v == JsonToken.START_ARRAY) {
                        int[] counts = inputArray(p);
                        inputCount = counts[0];
                        tokens = counts[1] == 1;
                    } else {
                        throw GatewayException.invalid("'input' must be a string or an array of strings or token ids, got "
                                + OpenAiJson.describe(v) + ".", "input");
                    }
                }
                case "encoding_format" -> {
                    if (v != JsonToken.VALUE_NULL) {
                        String f = v == JsonToken.VALUE_STRING ? p.getText() : null;
                        if (!"float".equals(f) && !"base64".equals(f)) {
                            throw GatewayException.invalid("'encoding_format' must be 'float' or 'base64', got "
                                    + (f == null ? OpenAiJson.describe(v) : "'" + f + "'") + ".", "encoding_format");
                        }
                        format = f;
                    }
                }
                case "dimensions" -> {
                    if (v != JsonToken.VALUE_NULL) {
                        if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 1
                                || p.getIntValue() > MAX_DIMENSIONS) {
                            throw GatewayException.invalid("'dimensions' must be an integer from 1 to " + MAX_DIMENSIONS + ", got "
                                    + (v.isNumeric() ? p.getText() : OpenAiJson.describe(v)) + ".", "dimensions");
                        }
                        dimensions = p.getIntValue();
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
            throw GatewayException.invalid("Request body has unexpected content after the JSON object.", null);
        }
        scanner.requireModel(model);
        if (inputCount < 0) {
            throw scanner.missing("input");
        }
        return new OpenAiEmbeddingsScan(body, model, inputCount, tokens, format, dimensions, modelStart, modelEnd);
    }

    /** Returns {count, isTokens}; all elements must be of one kind. */
    private static int[] inputArray(JsonParser p) throws IOException {
        int count = 0;
        int kind = 0; // 1 strings, 2 ints (one token array), 3 arrays of ints
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            int k = switch (e) {
                case VALUE_STRING -> 1;
                case VALUE_NUMBER_INT -> 2;
                case START_ARRAY -> 3;
                default -> 0;
            };
            if (k == 0 || (kind != 0 && k != kind)) {
                throw GatewayException.invalid("'input[" + count + "]' must be " + (kind == 0 ? "a string, a token id or an array of token ids"
                        : kind == 1 ? "a string like the other inputs" : kind == 2 ? "a token id like the other elements"
                        : "an array of token ids like the other inputs") + ", got " + OpenAiJson.describe(e) + ".", "input[" + count + "]");
            }
            kind = k;
            if (k == 3) {
                int j = 0;
                JsonToken n;
                while ((n = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (n != JsonToken.VALUE_NUMBER_INT) {
                        throw GatewayException.invalid("'input[" + count + "][" + j + "]' must be an integer token id, got "
                                + OpenAiJson.describe(n) + ".", "input[" + count + "][" + j + "]");
                    }
                    j++;
                }
                if (j == 0) {
                    throw GatewayException.invalid("'input[" + count + "]' must not be empty.", "input[" + count + "]");
                }
            }
            count++;
        }
        if (count == 0) {
            throw GatewayException.invalid("'input' must not be an empty array.", "input");
        }
        return new int[] {kind == 2 ? 1 : count, kind >= 2 ? 1 : 0};
    }

    /** The original bytes with the model value replaced (JSON-escaped). */
    public Buffer withModel(String newModel) {
        return OpenAiJson.splice(body, new int[] {modelStart}, new int[] {modelEnd}, new byte[][] {OpenAiJson.quoted(newModel)});
    }
}
