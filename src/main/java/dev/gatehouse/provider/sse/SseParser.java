package dev.gatehouse.provider.sse;

import dev.gatehouse.provider.BufferBytes;
import dev.gatehouse.provider.ByteScan;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Incremental Server-Sent Events parser following the WHATWG "event stream interpretation" rules:
 * lines end with LF, CRLF or CR (a CRLF may be split across chunks); {@code data} lines accumulate
 * joined by LF; {@code event} sets the type; lines starting with ':' are comments; a blank line
 * dispatches; an event with no data is not dispatched; an unterminated event at the end is dropped.
 *
 * <p>Works on bytes and decodes a line to text only once it is complete, so a UTF-8 sequence split
 * between chunks decodes correctly. Not thread-safe: one parser per stream.
 */
public final class SseParser {
    private static final String DEFAULT_TYPE = "message";

    /** A line split between chunks, until its end arrives (complete lines are read in place). */
    private byte[] line = new byte[256];
    private int lineLen;
    private boolean lastWasCr;
    private boolean firstLine = true;
    /** The event's data when it has one line (the usual case: no builder, no copy). */
    private String singleData;
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String eventType;
    private String lastEventId;

    /** Feeds one chunk; emits every event the chunk completes. */
    public void feed(Buffer chunk, Consumer<SseEvent> out) {
        // Lines are found eight bytes at a time in the chunk's own array, and a complete line is
        // read where it is; only a line split between chunks is copied.
        BufferBytes bytes = BufferBytes.of(chunk);
        byte[] a = bytes.array();
        int i = bytes.offset();
        int end = i + bytes.length();
        while (i < end) {
            if (lastWasCr) {
                lastWasCr = false;
                if (a[i] == '\n') { // second half of a CRLF whose line already ended
                    i++;
                    continue;
                }
            }
            int eol = ByteScan.lineEnd(a, i, end);
            if (eol == end) {
                hold(a, i, end - i);
                return;
            }
            lastWasCr = a[eol] == '\r';
            if (lineLen == 0) {
                endLine(a, i, eol - i, out);
            } else {
                hold(a, i, eol - i);
                int len = lineLen;
                lineLen = 0;
                endLine(line, 0, len, out);
            }
            i = eol + 1;
        }
    }

    private void hold(byte[] a, int from, int len) {
        if (lineLen + len > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, lineLen + len));
        }
        System.arraycopy(a, from, line, lineLen, len);
        lineLen += len;
    }

    /**
     * The stream ended. A final line without terminator is processed, but an event without its
     * blank line is discarded per the spec. Returns true when such an incomplete event was dropped.
     */
    public boolean end(Consumer<SseEvent> out) {
        if (lineLen > 0) {
            int len = lineLen;
            lineLen = 0;
            endLine(line, 0, len, out);
        }
        boolean dropped = hasData;
        data.setLength(0);
        singleData = null;
        hasData = false;
        eventType = null;
        return dropped;
    }

    /** The last {@code id} field seen, or null. */
    public String lastEventId() {
        return lastEventId;
    }

    /** One complete line, {@code buf[start, start + len)}. */
    private void endLine(byte[] buf, int start, int len, Consumer<SseEvent> out) {
        if (firstLine) {
            firstLine = false;
            // A UTF-8 byte order mark at the start of the stream is ignored.
            if (len >= 3 && (buf[start] & 0xFF) == 0xEF && (buf[start + 1] & 0xFF) == 0xBB && (buf[start + 2] & 0xFF) == 0xBF) {
                start += 3;
                len -= 3;
            }
        }
        if (len == 0) {
            dispatch(out);
            return;
        }
        if (buf[start] == ':') {
            return; // comment (keep-alives, OpenRouter's ": PROCESSING")
        }
        int lineEnd = start + len;
        int colon = -1;
        for (int i = start; i < lineEnd; i++) {
            if (buf[i] == ':') {
                colon = i;
                break;
            }
        }
        int fieldEnd = colon < 0 ? lineEnd : colon;
        int valueStart = colon < 0 ? lineEnd : colon + 1;
        if (valueStart < lineEnd && buf[valueStart] == ' ') {
            valueStart++;
        }
        int fieldLen = fieldEnd - start;
        if (is(buf, start, fieldLen, "data")) {
            String value = new String(buf, valueStart, lineEnd - valueStart, StandardCharsets.UTF_8);
            if (!hasData) {
                singleData = value;
                hasData = true;
            } else {
                if (singleData != null) {
                    data.append(singleData);
                    singleData = null;
                }
                data.append('\n').append(value);
            }
        } else if (is(buf, start, fieldLen, "event")) {
            eventType = new String(buf, valueStart, lineEnd - valueStart, StandardCharsets.UTF_8);
        } else if (is(buf, start, fieldLen, "id")) {
            String id = new String(buf, valueStart, lineEnd - valueStart, StandardCharsets.UTF_8);
            if (id.indexOf('\0') < 0) {
                lastEventId = id;
            }
        }
        // "retry" and unknown fields are ignored: reconnection is not ours to do.
    }

    private static boolean is(byte[] buf, int start, int len, String name) {
        if (len != name.length()) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (buf[start + i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private void dispatch(Consumer<SseEvent> out) {
        if (!hasData) {
            eventType = null;
            return;
        }
        String payload = singleData != null ? singleData : data.toString(); // data lines joined by '\n'
        String type = eventType == null || eventType.isEmpty() ? DEFAULT_TYPE : eventType;
        data.setLength(0);
        singleData = null;
        hasData = false;
        eventType = null;
        out.accept(new SseEvent(type, payload));
    }
}
