package dev.gatehouse.api.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.provider.BufferBytes;
import dev.gatehouse.provider.ByteScan;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.openai.OpenAiFinishReasons;
import dev.gatehouse.dialect.openai.OpenAiJson;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Watches an OpenAI-format SSE stream that passes through untranslated and learns what accounting
 * needs: the last usage object, the finish reason, whether {@code [DONE]} arrived and whether an
 * in-band error did. Chunks may split lines anywhere.
 *
 * <p>Cheap by design: bytes are scanned in place, and a data line is parsed only when a substring
 * check says it can hold a non-null usage, a finish reason or an error (every chunk carries
 * {@code "usage":null} once include_usage is on, so "contains usage" alone would parse them all).
 *
 * <p>When {@code stripUsageChunk} is set (the gateway injected {@code include_usage} and the caller
 * did not ask for it) the usage-only event ({@code "choices":[]} with usage) is removed from what
 * is forwarded. In that mode a partial line is held back until it completes, because it cannot be
 * forwarded before we know whether it goes; otherwise {@link #feed} returns the same buffer.
 *
 * <p>With {@link #checkingLines()} the same pass also checks that every complete {@code data:}
 * line holds a whole JSON object (or {@code [DONE]}) and remembers the first that does not
 * ({@link #malformedLine()}): the passthrough relay needs that check, and one pass over the bytes
 * instead of two was a tenth of the event loop under streaming load.
 */
public final class OpenAiStreamUsageScanner {
    private static final byte[] USAGE = "\"usage\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FINISH = "\"finish_reason\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR = "\"error\"".getBytes(StandardCharsets.US_ASCII);

    private final boolean strip;
    private boolean checkLines;
    private String malformedLine;
    private Buffer carry;
    private boolean lastWasCr;
    private boolean prevDropped;
    private boolean dropBlank;

    private Usage usage;
    private String finishReasonText;
    private boolean done;
    private String errorMessage;
    private JsonNode error;

    public OpenAiStreamUsageScanner(boolean stripUsageChunk) {
        this.strip = stripUsageChunk;
    }

    /** Also checks every complete data line's JSON structure (see {@link #malformedLine()}). */
    public OpenAiStreamUsageScanner checkingLines() {
        this.checkLines = true;
        return this;
    }

    /** The start of the first complete data line that was not a whole JSON object, or null (only with {@link #checkingLines()}). */
    public String malformedLine() {
        return malformedLine;
    }

    /** Scans one upstream chunk; returns what to forward to the caller (the same instance when unchanged). */
    public Buffer feed(Buffer chunk) {
        // Bytes are read from the backing array (no copy for heap buffers): Buffer.getByte per
        // byte costs bounds and liveness checks each time and dominated the streaming profile.
        BufferBytes view = OpenAiJson.bytes(chunk);
        byte[] a = view.array();
        int base = view.offset();
        int n = view.length();
        Buffer out = null; // strip mode: null means "what to forward so far is chunk[0, lineStart)"
        int lineStart = 0;
        int end = base + n;
        // Line ends are found eight bytes at a time (ByteScan); most bytes are inside lines.
        for (int i = ByteScan.lineEnd(a, base, end) - base; i < n; i = ByteScan.lineEnd(a, base + i + 1, end) - base) {
            byte b = a[base + i];
            if (b == '\n' && lastWasCr) { // the LF of a CRLF: belongs to the line before
                lastWasCr = false;
                if (strip) {
                    if (prevDropped) {
                        out = out == null ? copy(chunk, i) : out;
                    } else if (out != null) {
                        out.appendByte(b);
                    }
                }
                lineStart = i + 1;
                continue;
            }
            lastWasCr = b == '\r';
            boolean drop;
            if (carry != null) {
                carry.appendBuffer(chunk, lineStart, i - lineStart);
                BufferBytes c = OpenAiJson.bytes(carry);
                drop = line(c.array(), c.offset(), c.offset() + c.length());
                if (strip) {
                    out = out == null ? copy(chunk, lineStart) : out;
                    if (!drop) {
                        out.appendBuffer(carry).appendByte(b);
                    }
                }
                carry = null;
            } else {
                drop = line(a, base + lineStart, base + i);
                if (strip) {
                    if (drop) {
                        out = out == null ? copy(chunk, lineStart) : out;
                    } else if (out != null) {
                        out.appendBuffer(chunk, lineStart, i + 1 - lineStart);
                    }
                }
            }
            prevDropped = drop;
            lineStart = i + 1;
        }
        if (lineStart < n) {
            carry = (carry == null ? Buffer.buffer(n - lineStart) : carry).appendBuffer(chunk, lineStart, n - lineStart);
            if (strip && out == null) {
                out = copy(chunk, lineStart);
            }
        }
        return out == null ? chunk : out;
    }

    /** At the end of the body: the bytes still held back (strip mode), after scanning them. */
    public Buffer flush() {
        if (carry == null) {
            return Buffer.buffer(0);
        }
        Buffer rest = carry;
        carry = null;
        BufferBytes c = OpenAiJson.bytes(rest);
        boolean drop = line(c.array(), c.offset(), c.offset() + c.length());
        return strip && !drop ? rest : Buffer.buffer(0);
    }

    public Usage usage() {
        return usage;
    }

    /** The finish reason as OpenAI spelled it ("stop", "tool_calls", ...), or null. */
    public String finishReasonText() {
        return finishReasonText;
    }

    public FinishReason finishReason() {
        return finishReasonText == null ? null : OpenAiFinishReasons.parse(finishReasonText);
    }

    public boolean doneReceived() {
        return done;
    }

    public boolean errorReceived() {
        return error != null;
    }

    /** The message of an in-band error, or null. */
    public String errorMessage() {
        return errorMessage;
    }

    /** The in-band error object ({@code {"message","type","code",...}}), or null. */
    public JsonNode error() {
        return error;
    }

    private static Buffer copy(Buffer chunk, int upTo) {
        return Buffer.buffer(chunk.length()).appendBuffer(chunk, 0, upTo);
    }

    /** Looks at one complete line, {@code a[s, e)}; returns whether it must be dropped. */
    private boolean line(byte[] a, int s, int e) {
        if (s == e) {
            boolean drop = strip && dropBlank;
            dropBlank = false;
            return drop;
        }
        dropBlank = false;
        if (e - s < 5 || a[s] != 'd' || a[s + 1] != 'a' || a[s + 2] != 't' || a[s + 3] != 'a' || a[s + 4] != ':') {
            return false;
        }
        int p = s + 5;
        if (p < e && a[p] == ' ') {
            p++;
        }
        if (e - p == 6 && a[p] == '[' && a[p + 1] == 'D' && a[p + 2] == 'O' && a[p + 3] == 'N' && a[p + 4] == 'E'
                && a[p + 5] == ']') {
            done = true;
            return false;
        }
        if (checkLines) {
            int verdict = examine(a, p, e);
            if (verdict == MALFORMED) {
                if (malformedLine == null) {
                    malformedLine = new String(a, s, Math.min(e - s, 120), StandardCharsets.UTF_8);
                }
                return false;
            }
            if (verdict != WORTH_PARSING) {
                return false;
            }
        } else if (!worthParsing(a, p, e)) {
            return false;
        }
        return parse(a, p, e);
    }

    /**
     * Reads what accounting needs from a data line worth parsing, with the streaming parser: only
     * {@code usage} and {@code error} objects become trees; choices are walked for their
     * {@code finish_reason} and everything else is skipped (a whole tree per line was 2 KB of
     * garbage, twice per stream). As with a tree, a key given twice counts by its last value.
     * Returns whether the line must be dropped (the usage-only chunk in strip mode).
     */
    private boolean parse(byte[] a, int p, int e) {
        JsonNode err = null;
        JsonNode u = null;
        String finish = null;
        boolean usageOnly = true; // no choices, null choices or an empty array
        try (JsonParser json = OpenAiJson.FACTORY.createParser(a, p, e - p)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String name = json.currentName();
                JsonToken value = json.nextToken();
                switch (name) {
                    case "error" -> err = value == JsonToken.START_OBJECT ? OpenAiJson.MAPPER.readTree(json) : skip(json);
                    case "usage" -> u = value == JsonToken.START_OBJECT ? OpenAiJson.MAPPER.readTree(json) : skip(json);
                    case "choices" -> {
                        finish = null;
                        usageOnly = value == JsonToken.VALUE_NULL;
                        if (value == JsonToken.START_ARRAY) {
                            int count = 0;
                            for (JsonToken c = json.nextToken(); c != JsonToken.END_ARRAY; c = json.nextToken()) {
                                count++;
                                String fr = c == JsonToken.START_OBJECT ? finishReason(json) : skip(json);
                                if (fr != null) {
                                    finish = fr;
                                }
                            }
                            usageOnly = count == 0;
                        } else {
                            json.skipChildren();
                        }
                    }
                    default -> json.skipChildren();
                }
            }
        } catch (IOException | RuntimeException ex) {
            return false; // not ours to judge: the caller's SDK will see the same bytes
        }
        if (err != null) {
            error = err;
            errorMessage = err.path("message").asText(null);
        }
        if (finish != null) {
            finishReasonText = finish;
        }
        if (u != null) {
            usage = OpenAiFinishReasons.usage(u);
            if (usageOnly && strip) {
                dropBlank = true;
                return true;
            }
        }
        return false;
    }

    /** One choice object's {@code finish_reason} when it is a string (the parser is on its START_OBJECT), else null. */
    private static String finishReason(JsonParser json) throws IOException {
        String finish = null;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            boolean isFinish = json.currentName().equals("finish_reason");
            JsonToken value = json.nextToken();
            if (isFinish) {
                finish = value == JsonToken.VALUE_STRING ? json.getText() : null;
            }
            json.skipChildren();
        }
        return finish;
    }

    private static <T> T skip(JsonParser json) throws IOException {
        json.skipChildren();
        return null;
    }

    private static final int QUOTE = 1;
    private static final int OPEN = 2;
    private static final int CLOSE = 3;
    /** What each byte means to the structure check outside strings: 0 (nothing), QUOTE, OPEN or CLOSE. */
    private static final byte[] STRUCTURE = new byte[256];

    static {
        STRUCTURE['"'] = QUOTE;
        STRUCTURE['{'] = OPEN;
        STRUCTURE['['] = OPEN;
        STRUCTURE['}'] = CLOSE;
        STRUCTURE[']'] = CLOSE;
    }

    private static final int PLAIN = 0;
    private static final int WORTH_PARSING = 1;
    private static final int MALFORMED = 2;

    /**
     * One pass over a data line's payload {@code a[p, e)} that both checks its structure — after
     * trimming spaces and tabs it is {@code [DONE]}, or starts with '{' and closes every brace and
     * bracket it opens, with nothing after the object (strings and escapes respected) — and tells
     * whether it is worth parsing (as {@link #worthParsing}). String contents are skipped by a
     * tight inner loop; keys are tried only where a string opens.
     */
    static int examine(byte[] a, int p, int e) {
        while (p < e && (a[p] == ' ' || a[p] == '\t')) {
            p++;
        }
        while (e > p && (a[e - 1] == ' ' || a[e - 1] == '\t')) {
            e--;
        }
        if (e - p == 6 && a[p] == '[' && a[p + 1] == 'D' && a[p + 2] == 'O' && a[p + 3] == 'N' && a[p + 4] == 'E'
                && a[p + 5] == ']') {
            return PLAIN;
        }
        if (p >= e || a[p] != '{') {
            return MALFORMED;
        }
        boolean worth = false;
        int depth = 0;
        for (int i = p; i < e; i++) {
            byte c = a[i];
            int kind = STRUCTURE[c & 0xFF];
            if (kind == 0) {
                continue; // the usual byte between tokens: one table read
            }
            if (kind == QUOTE) {
                if (!worth && i + 1 < e) {
                    byte first = a[i + 1];
                    worth = first == 'u' ? keyThen(a, i, e, USAGE, '{')
                            : first == 'f' ? keyThen(a, i, e, FINISH, '"')
                            : first == 'e' && keyThen(a, i, e, ERROR, '{');
                }
                // The string's end, eight bytes at a time; an escape skips the byte after it.
                i = ByteScan.quoteOrBackslash(a, i + 1, e);
                while (i < e && a[i] == '\\') {
                    i = ByteScan.quoteOrBackslash(a, i + 2, e);
                }
                if (i >= e) {
                    return MALFORMED; // the string never closes
                }
            } else if (kind == OPEN) {
                depth++;
            } else if (--depth == 0 && i != e - 1) {
                return MALFORMED; // something after the object
            }
        }
        return depth != 0 ? MALFORMED : worth ? WORTH_PARSING : PLAIN;
    }

    /**
     * One pass over the data: whether it holds {@code "usage"} followed by an object, a
     * {@code "finish_reason"} followed by a string, or {@code "error"} followed by an object.
     */
    private static boolean worthParsing(byte[] a, int s, int e) {
        for (int i = s; i < e; i++) {
            if (a[i] != '"') {
                continue;
            }
            if (keyThen(a, i, e, USAGE, '{') || keyThen(a, i, e, FINISH, '"') || keyThen(a, i, e, ERROR, '{')) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code key} starts at {@code i}, then optional whitespace, ':', optional whitespace, then {@code next}. */
    static boolean keyThen(byte[] a, int i, int e, byte[] key, char next) {
        if (e - i < key.length) {
            return false;
        }
        for (int k = 1; k < key.length; k++) { // key[0] is the opening quote, already matched
            if (a[i + k] != key[k]) {
                return false;
            }
        }
        int j = skipWs(a, i + key.length, e);
        if (j < e && a[j] == ':') {
            j = skipWs(a, j + 1, e);
            return j < e && a[j] == next;
        }
        return false;
    }

    private static int skipWs(byte[] a, int j, int e) {
        while (j < e) {
            byte c = a[j];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                break;
            }
            j++;
        }
        return j;
    }
}
