package dev.gatehouse.api.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.dialect.openai.RequestScanner;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * What the same-format fast path needs from an OpenAI chat request, read with one streaming pass
 * over the bytes: nested values are skipped, never materialised. Byte offsets of the model value
 * and of {@code stream_options} let the gateway rewrite exactly those bytes and forward the rest
 * untouched.
 *
 * @param body the original request bytes
 * @param maxTokens the larger of {@code max_completion_tokens} and {@code max_tokens} (an upstream
 *     may honour either, so caps and reservations must hold for both), else null
 */
public record OpenAiChatScan(
        Buffer body,
        String model,
        boolean stream,
        boolean includeUsage,
        Integer maxTokens,
        int messageCount,
        Positions positions) {

    /**
     * Byte offsets into {@code body}, -1 when absent. Value ranges include the quotes/braces.
     *
     * @param rootOpen offset of the root '{'
     * @param streamOptionsStart start of the {@code stream_options} value
     * @param streamOptionsEmpty whether that value is an empty object
     * @param includeUsageStart start of the {@code include_usage} value inside it
     */
    public record Positions(
            int modelStart, int modelEnd, int rootOpen,
            int streamOptionsStart, int streamOptionsEnd, boolean streamOptionsIsObject, boolean streamOptionsEmpty,
            int includeUsageStart, int includeUsageEnd) {}

    private static final byte[] STREAM_OPTIONS_MEMBER =
            "\"stream_options\":{\"include_usage\":true},".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STREAM_OPTIONS_VALUE = "{\"include_usage\":true}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INCLUDE_USAGE_MEMBER = "\"include_usage\":true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);

    /** The top-level keys refused when repeated. */
    private static final RequestScanner.Rules RULES =
            new RequestScanner.Rules(RequestScanner.Wording.OPENAI, "model", "stream", "stream_options", "messages",
                    // A policy checks one value while the upstream may read another: repeats of keys that matter are refused.
                    "max_tokens", "max_completion_tokens", "n", "tools");

    /** Scans and validates the fields the fast path relies on; throws a 400 on bad input. */
    public static OpenAiChatScan scan(Buffer body) {
        return RequestScanner.scan(body, RULES, (p, scanner) -> scan(body, p, scanner));
    }

    private static OpenAiChatScan scan(Buffer body, JsonParser p, RequestScanner scanner) throws IOException {
        int rootOpen = offset(p.currentTokenLocation().getByteOffset());
        String model = null;
        int modelStart = -1;
        int modelEnd = -1;
        Boolean stream = null;
        boolean includeUsage = false;
        Integer maxTokens = null;
        Integer maxCompletionTokens = null;
        int messageCount = -1;
        int soStart = -1;
        int soEnd = -1;
        boolean soObject = false;
        boolean soEmpty = false;
        int iuStart = -1;
        int iuEnd = -1;
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
                    if (v == JsonToken.VALUE_NULL) {
                        stream = Boolean.FALSE;
                    } else if (v.isBoolean()) {
                        stream = v == JsonToken.VALUE_TRUE;
                    } else {
                        throw GatewayException.invalid("'stream' must be a boolean, got " + OpenAiJson.describe(v) + ".", "stream");
                    }
                }
                case "stream_options" -> {
                    soStart = offset(p.currentTokenLocation().getByteOffset());
                    if (v == JsonToken.VALUE_NULL) {
                        soEnd = offset(p.currentLocation().getByteOffset());
                    } else if (v == JsonToken.START_OBJECT) {
                        soObject = true;
                        soEmpty = true;
                        JsonToken f;
                        while ((f = p.nextToken()) == JsonToken.FIELD_NAME) {
                            soEmpty = false;
                            String key = p.currentName();
                            JsonToken fv = p.nextToken();
                            if (key.equals("include_usage")) {
                                if (iuStart >= 0) {
                                    throw GatewayException.invalid("Duplicate key 'include_usage' in 'stream_options'.",
                                            "stream_options.include_usage");
                                }
                                if (fv == JsonToken.VALUE_NULL) {
                                    includeUsage = false;
                                } else if (fv.isBoolean()) {
                                    includeUsage = fv == JsonToken.VALUE_TRUE;
                                } else {
                                    throw GatewayException.invalid("'stream_options.include_usage' must be a boolean, got "
                                            + OpenAiJson.describe(fv) + ".", "stream_options.include_usage");
                                }
                                iuStart = offset(p.currentTokenLocation().getByteOffset());
                                iuEnd = offset(p.currentLocation().getByteOffset());
                            } else {
                                p.skipChildren();
                            }
                        }
                        soEnd = offset(p.currentLocation().getByteOffset());
                    } else {
                        throw GatewayException.invalid("'stream_options' must be an object, got "
                                + OpenAiJson.describe(v) + ".", "stream_options");
                    }
                }
                case "max_tokens" -> maxTokens = intValue(p, v, "max_tokens");
                case "max_completion_tokens" -> maxCompletionTokens = intValue(p, v, "max_completion_tokens");
                case "messages" -> messageCount = scanner.objectCount(p, v, "messages");
                // Forwarded byte for byte on the fast path and read as an int or a double on the
                // translated one: out-of-range values get a 400 here rather than reaching either.
                case "n" -> intValue(p, v, "n");
                case "temperature", "top_p" -> finite(p, v, name);
                default -> p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw GatewayException.invalid("Request body is not valid JSON (at " + OpenAiJson.where(p.currentLocation()) + ").", null);
        }
        JsonToken trailing = p.nextToken();
        if (trailing != null) {
            throw GatewayException.invalid("Request body has unexpected content after the JSON object at "
                    + OpenAiJson.where(p.currentTokenLocation()) + ".", null);
        }
        scanner.requireModel(model);
        if (messageCount < 0) {
            throw scanner.missing("messages");
        }
        if (messageCount == 0) {
            throw GatewayException.invalid("'messages' must contain at least one message.", "messages");
        }
        boolean streaming = stream != null && stream;
        return new OpenAiChatScan(body, model, streaming, includeUsage,
                larger(maxCompletionTokens, maxTokens), messageCount,
                new Positions(modelStart, modelEnd, rootOpen, soStart, soEnd, soObject, soEmpty, iuStart, iuEnd));
    }

    private static Integer larger(Integer a, Integer b) {
        return a == null ? b : b == null ? a : Integer.valueOf(Math.max(a, b));
    }

    // Jackson reports offsets relative to the start of the range it was given, which is the
    // buffer's first byte, so no adjustment is needed; kept as one place to change if that moves.
    private static int offset(long byteOffset) {
        return (int) byteOffset;
    }

    private static Integer intValue(JsonParser p, JsonToken v, String name) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v != JsonToken.VALUE_NUMBER_INT) {
            throw GatewayException.invalid("'" + name + "' must be an integer, got " + OpenAiJson.describe(v) + ".", name);
        }
        if (p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 1) {
            throw GatewayException.invalid("'" + name + "' must be a positive integer, got " + p.getText() + ".", name);
        }
        return p.getIntValue();
    }

    /** A number a double can hold: {@code 1e400} would become Infinity, which no upstream accepts. */
    private static void finite(JsonParser p, JsonToken v, String name) throws IOException {
        if (v.isNumeric() && !Double.isFinite(p.getDoubleValue())) {
            throw GatewayException.invalid("'" + name + "' is out of range, got " + p.getText() + ".", name);
        }
        p.skipChildren();
    }

    /** The original bytes with the model value replaced (JSON-escaped); nothing else changes. */
    public Buffer withModel(String newModel) {
        return OpenAiJson.splice(body, new int[] {positions.modelStart()}, new int[] {positions.modelEnd()},
                new byte[][] {OpenAiJson.quoted(newModel)});
    }

    /**
     * Like {@link #withModel} and, for a streamed request that did not ask for usage, also sets
     * {@code stream_options.include_usage} to true so the gateway can always count tokens. Use
     * {@link #usageInjected()} to know whether the caller must not see the usage chunk.
     */
    public Buffer withModelAndUsage(String newModel) {
        if (!usageInjected()) {
            return withModel(newModel);
        }
        Positions pos = positions;
        int editStart;
        int editEnd;
        byte[] replacement;
        if (pos.streamOptionsStart() < 0) {
            editStart = pos.rootOpen() + 1; // first member; "model" and "messages" follow, so the comma is valid
            editEnd = editStart;
            replacement = STREAM_OPTIONS_MEMBER;
        } else if (!pos.streamOptionsIsObject()) { // "stream_options": null
            editStart = pos.streamOptionsStart();
            editEnd = pos.streamOptionsEnd();
            replacement = STREAM_OPTIONS_VALUE;
        } else if (pos.includeUsageStart() >= 0) { // include_usage false or null
            editStart = pos.includeUsageStart();
            editEnd = pos.includeUsageEnd();
            replacement = TRUE;
        } else { // an object without include_usage: add it as the first member
            editStart = pos.streamOptionsStart() + 1;
            editEnd = editStart;
            replacement = pos.streamOptionsEmpty() ? INCLUDE_USAGE_MEMBER : withComma(INCLUDE_USAGE_MEMBER);
        }
        byte[] quotedModel = OpenAiJson.quoted(newModel);
        if (editStart < pos.modelStart()) {
            return OpenAiJson.splice(body, new int[] {editStart, pos.modelStart()}, new int[] {editEnd, pos.modelEnd()},
                    new byte[][] {replacement, quotedModel});
        }
        return OpenAiJson.splice(body, new int[] {pos.modelStart(), editStart}, new int[] {pos.modelEnd(), editEnd},
                new byte[][] {quotedModel, replacement});
    }

    /** True when the request streams without {@code include_usage: true}: the gateway adds it. */
    public boolean usageInjected() {
        return stream && !includeUsage;
    }

    private static byte[] withComma(byte[] member) {
        byte[] out = new byte[member.length + 1];
        System.arraycopy(member, 0, out, 0, member.length);
        out[member.length] = ',';
        return out;
    }
}
