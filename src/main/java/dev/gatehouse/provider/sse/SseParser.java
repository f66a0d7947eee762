package dev.gatehouse.provider.sse;

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

    private byte[] line = new byte[256];
    private int lineLen;
    private boolean lastWasCr;
    private boolean firstLine = true;
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String eventType;
    private String lastEventId;

    /** Feeds one chunk; emits every event the chunk completes. */
    public void feed(Buffer chunk, Consumer<SseEvent> out) {
        int n = chunk.length();
        for (int i = 0; i < n; i++) {
            byte b = chunk.getByte(i);
            if (b == '\n') {
                if (lastWasCr) {
                    lastWasCr = false; // second half of a CRLF whose line already ended
                    continue;
                }
                endLine(out);
            } else if (b == '\r') {
                lastWasCr = true;
                endLine(out);
            } else {
                lastWasCr = false;
                if (lineLen == line.length) {
                    line = Arrays.copyOf(line, line.length * 2);
                }
                line[lineLen++] = b;
            }
        }
    }

    /**
     * The stream ended. A final line without terminator is processed, but an event without its
     * blank line is discarded per the spec. Returns true when such an incomplete event was dropped.
     */
    public boolean end(Consumer<SseEvent> out) {
        if (lineLen > 0) {
            endLine(out);
        }
        boolean dropped = hasData;
        data.setLength(0);
        hasData = false;
        eventType = null;
        return dropped;
    }

    /** The last {@code id} field seen, or null. */
    public String lastEventId() {
        return lastEventId;
    }

    private void endLine(Consumer<SseEvent> out) {
        int start = 0;
        if (firstLine) {
            firstLine = false;
            // A UTF-8 byte order mark at the start of the stream is ignored.
            if (lineLen >= 3 && (line[0] & 0xFF) == 0xEF && (line[1] & 0xFF) == 0xBB && (line[2] & 0xFF) == 0xBF) {
                start = 3;
            }
        }
        int len = lineLen - start;
        lineLen = 0;
        if (len == 0) {
            dispatch(out);
            return;
        }
        if (line[start] == ':') {
            return; // comment (keep-alives, OpenRouter's ": PROCESSING")
        }
        int colon = -1;
        for (int i = start; i < start + len; i++) {
            if (line[i] == ':') {
                colon = i;
                break;
            }
        }
        int fieldEnd = colon < 0 ? start + len : colon;
        int valueStart = colon < 0 ? start + len : colon + 1;
        if (valueStart < start + len && line[valueStart] == ' ') {
            valueStart++;
        }
        int fieldLen = fieldEnd - start;
        if (is(start, fieldLen, "data")) {
            data.append(new String(line, valueStart, start + len - valueStart, StandardCharsets.UTF_8)).append('\n');
            hasData = true;
        } else if (is(start, fieldLen, "event")) {
            eventType = new String(line, valueStart, start + len - valueStart, StandardCharsets.UTF_8);
        } else if (is(start, fieldLen, "id")) {
            String id = new String(line, valueStart, start + len - valueStart, StandardCharsets.UTF_8);
            if (id.indexOf('\0') < 0) {
                lastEventId = id;
            }
        }
        // "retry" and unknown fields are ignored: reconnection is not ours to do.
    }

    private boolean is(int start, int len, String name) {
        if (len != name.length()) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (line[start + i] != name.charAt(i)) {
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
        String payload = data.substring(0, data.length() - 1); // drop the last '\n'
        String type = eventType == null || eventType.isEmpty() ? DEFAULT_TYPE : eventType;
        data.setLength(0);
        hasData = false;
        eventType = null;
        out.accept(new SseEvent(type, payload));
    }
}
