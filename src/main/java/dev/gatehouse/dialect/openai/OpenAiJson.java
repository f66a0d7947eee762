package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.provider.BufferBytes;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.regex.Pattern;

/** JSON plumbing shared by the OpenAI-format classes: one factory, byte access, error wording. */
public final class OpenAiJson {
    /** How deep a request body may nest arrays and objects: bounds the parser's stack on hostile input. */
    public static final int MAX_DEPTH = 128;
    /** The most digits a number may have (Jackson's default, stated so the caller-facing message can name it). */
    public static final int MAX_NUMBER_LENGTH = 1000;
    /** The longest field name, in characters (Jackson's default). */
    public static final int MAX_NAME_LENGTH = 50_000;
    /** The longest string value, in characters (Jackson's default; the body-size cap usually bites first). */
    public static final int MAX_STRING_LENGTH = 20_000_000;

    /** Source excerpts stay out of parse errors: they could echo a caller's secret back into logs. */
    public static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .maxNameLength(MAX_NAME_LENGTH)
                    .maxStringLength(MAX_STRING_LENGTH)
                    .build())
            .build();

    public static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

    private OpenAiJson() {}

    /** A view of a buffer's bytes: the backing array when there is one (no copy), else a copy. */
    public static BufferBytes bytes(Buffer buffer) {
        return BufferBytes.of(buffer);
    }

    /** A top-level string value and the byte range of its token (quotes included), for splicing. */
    public record StringSpan(String text, int start, int end) {}

    /**
     * Reads the string value the parser is on for a field that may appear only once. Duplicates
     * are refused because the gateway would authorise one value while the upstream (last key
     * wins) used another.
     *
     * @param seen whether the field was already read
     * @param duplicate the message for a second occurrence
     * @param notString the message for a non-string value, completed with what was found
     */
    public static StringSpan uniqueString(JsonParser p, JsonToken value, String field, boolean seen, String duplicate,
            String notString) throws IOException {
        if (seen) {
            throw GatewayException.invalid(duplicate, field);
        }
        if (value != JsonToken.VALUE_STRING) {
            throw GatewayException.invalid(notString + describe(value) + ".", field);
        }
        // Offsets are relative to the start of the range the parser was given: the body's first byte.
        int start = (int) p.currentTokenLocation().getByteOffset();
        String text = p.getText();
        return new StringSpan(text, start, (int) p.currentLocation().getByteOffset());
    }

    /**
     * A parser over UTF-8 bytes. Other encodings are refused: Jackson would auto-detect UTF-16/32
     * and report character offsets, which the byte splicing of the fast paths cannot use.
     */
    public static JsonParser parser(BufferBytes bytes) {
        if (!utf8(bytes)) {
            throw GatewayException.invalid("The request body must be JSON encoded as UTF-8; it looks like UTF-16 or UTF-32.", null);
        }
        try {
            return FACTORY.createParser(bytes.array(), bytes.offset(), bytes.length());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // RFC 8259 JSON is UTF-8; a NUL among the first bytes or a UTF-16/32 byte-order mark means a wide encoding.
    private static boolean utf8(BufferBytes bytes) {
        byte[] a = bytes.array();
        int n = Math.min(4, bytes.length());
        if (n >= 2 && ((a[bytes.offset()] == (byte) 0xFE && a[bytes.offset() + 1] == (byte) 0xFF)
                || (a[bytes.offset()] == (byte) 0xFF && a[bytes.offset() + 1] == (byte) 0xFE))) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (a[bytes.offset() + i] == 0) {
                return false;
            }
        }
        return true;
    }

    /** Parses a request body as a tree, turning syntax errors into a 400 that says where. */
    public static JsonNode readRequestTree(Buffer body) {
        if (body == null || body.length() == 0) {
            throw GatewayException.invalid("Request body is empty; expected a JSON object.", null);
        }
        BufferBytes bytes = bytes(body);
        try (JsonParser p = parser(bytes)) {
            JsonNode node = MAPPER.readTree(p);
            if (node == null || node.isMissingNode()) {
                throw GatewayException.invalid("Request body is empty; expected a JSON object.", null);
            }
            if (p.nextToken() != null) {
                throw GatewayException.invalid("Request body has unexpected content after the JSON value at "
                        + where(p.currentTokenLocation()) + ".", null);
            }
            if (!node.isObject()) {
                throw GatewayException.invalid("Request body must be a JSON object, got " + describe(node) + ".", null);
            }
            return node;
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A parse failure as the caller should read it: what is wrong and where, no parser internals. */
    public static GatewayException malformed(JsonProcessingException e) {
        String msg = e.getOriginalMessage();
        if (e instanceof StreamConstraintsException) {
            return GatewayException.invalid(overLimit(msg == null ? "" : msg), null);
        }
        int nl = msg == null ? -1 : msg.indexOf('\n');
        if (nl >= 0) {
            msg = msg.substring(0, nl);
        }
        JsonLocation loc = e.getLocation();
        return GatewayException.invalid("Request body is not valid JSON: " + forCaller(msg)
                + (loc == null ? "" : " (at " + where(loc) + ")") + ".", null);
    }

    // Which StreamReadConstraints limit was crossed is only in the message; name it in the caller's terms.
    private static String overLimit(String msg) {
        if (msg.contains("NestingDepth")) {
            return "The request body nests JSON deeper than " + MAX_DEPTH + " levels.";
        }
        if (msg.contains("NumberLength")) {
            return "A number in the request body is longer than " + MAX_NUMBER_LENGTH + " characters.";
        }
        if (msg.contains("NameLength")) {
            return "A field name in the request body is longer than " + MAX_NAME_LENGTH + " characters.";
        }
        if (msg.contains("StringLength")) {
            return "A string in the request body is longer than " + MAX_STRING_LENGTH + " characters.";
        }
        return "The request body is too large or too complex to parse.";
    }

    private static final Pattern CHAR_CODE = Pattern.compile("\\('(.+?)' \\(code \\d+\\)\\)");
    private static final Pattern CTRL_CHAR = Pattern.compile("\\(\\(CTRL-CHAR, code (\\d+)\\)\\)");
    private static final Pattern SOURCE = Pattern.compile("\\[Source: [^\\]]*?line: (\\d+), column: (\\d+)\\]");

    /** Jackson's wording with its internals (character codes, source descriptions, backticks) taken out. */
    static String forCaller(String msg) {
        if (msg == null || msg.isBlank()) {
            return "syntax error";
        }
        String m = CHAR_CODE.matcher(msg).replaceAll("'$1'");
        m = CTRL_CHAR.matcher(m).replaceAll("control character $1");
        m = SOURCE.matcher(m).replaceAll("line $1, column $2");
        m = m.replace("Unexpected end-of-input", "the body ends before the JSON value is complete")
                .replace(": was expecting", ", expected")
                .replace("`", "'");
        return Character.toLowerCase(m.charAt(0)) + m.substring(1);
    }

    public static String where(JsonLocation loc) {
        return "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    public static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase();
        };
    }

    public static String describe(JsonToken token) {
        if (token == null) {
            return "nothing (the body is empty)";
        }
        return switch (token) {
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.name().toLowerCase();
        };
    }

    /** {@code s} as a JSON string literal (quotes included), UTF-8. */
    public static byte[] quoted(String s) {
        byte[] inner = JsonStringEncoder.getInstance().quoteAsUTF8(s);
        byte[] out = new byte[inner.length + 2];
        out[0] = '"';
        System.arraycopy(inner, 0, out, 1, inner.length);
        out[out.length - 1] = '"';
        return out;
    }

    /**
     * Replaces byte ranges of {@code body} (relative to the buffer's start). Edits must be in
     * ascending, non-overlapping order; an insertion has {@code start == end}.
     */
    public static Buffer splice(Buffer body, int[] starts, int[] ends, byte[][] replacements) {
        int size = body.length();
        for (int i = 0; i < starts.length; i++) {
            size += replacements[i].length - (ends[i] - starts[i]);
        }
        Buffer out = Buffer.buffer(size);
        int pos = 0;
        for (int i = 0; i < starts.length; i++) {
            out.appendBuffer(body, pos, starts[i] - pos);
            out.appendBytes(replacements[i]);
            pos = ends[i];
        }
        out.appendBuffer(body, pos, body.length() - pos);
        return out;
    }
}
