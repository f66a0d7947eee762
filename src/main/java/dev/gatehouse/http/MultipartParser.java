package dev.gatehouse.http;

import dev.gatehouse.call.GatewayException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * A push parser for {@code multipart/form-data} (RFC 7578) that holds no more than one part's
 * headers and a delimiter's length of content at a time: content is handed on as it arrives, so a
 * 200 MB file passes through in the chunks the network delivered. Written for the gateway so that
 * what one request may hold in memory is bounded here, visibly (one part's headers, a delimiter's
 * length of content; the form's field and file limits are in {@link MultipartForm}), rather than
 * left to a general-purpose decoder's internal buffering.
 */
final class MultipartParser {
    /** What the parser finds, in order. */
    interface Parts {
        /** A part begins: its form field name, and its filename (null for a text field) and Content-Type. */
        void start(String name, String filename, String contentType);

        /** Content of the current part. {@code bytes} is the parser's own: keep a copy if needed. */
        void content(byte[] bytes, int offset, int length);

        /** The current part ended. */
        void end();
    }

    /** The most bytes one part's headers may take. */
    static final int MAX_HEADER_BYTES = 16 * 1024;

    private enum State { PREAMBLE, AFTER_DELIMITER, HEADERS, CONTENT, DONE }

    private final byte[] delimiter;
    private final Parts parts;
    private State state = State.PREAMBLE;
    /** Bytes not yet decided on: a possible start of the delimiter, or headers still coming. */
    private byte[] carry;
    private int carryLength;
    private final ByteArrayOutputStream headers = new ByteArrayOutputStream();

    MultipartParser(String boundary, Parts parts) {
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.parts = parts;
        // The body opens with the delimiter without its CRLF: feed one so every delimiter looks alike.
        this.carry = new byte[delimiter.length + 64 * 1024];
        carry[0] = '\r';
        carry[1] = '\n';
        carryLength = 2;
    }

    /** The boundary parameter of a multipart Content-Type, or null. */
    static String boundary(String contentType) {
        for (String param : contentType.split(";")) {
            String p = param.trim();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String value = p.substring(9).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                return value.isEmpty() || value.length() > 200 ? null : value;
            }
        }
        return null;
    }

    boolean done() {
        return state == State.DONE;
    }

    /** Feeds the next bytes of the body. Throws a 400 when the body is not valid multipart. */
    void feed(byte[] chunk) {
        byte[] data;
        int length;
        if (carryLength == 0) {
            data = chunk;
            length = chunk.length;
        } else {
            data = Arrays.copyOf(carry, carryLength + chunk.length);
            System.arraycopy(chunk, 0, data, carryLength, chunk.length);
            length = data.length;
            carryLength = 0;
        }
        int at = 0;
        while (at < length && state != State.DONE) {
            switch (state) {
                case PREAMBLE, CONTENT -> {
                    int found = indexOf(data, at, length, delimiter);
                    if (found >= 0) {
                        if (state == State.CONTENT) {
                            parts.content(data, at, found - at);
                            parts.end();
                        }
                        at = found + delimiter.length;
                        state = State.AFTER_DELIMITER;
                    } else {
                        // Keep what could be the start of a delimiter; the rest is content (or preamble).
                        int keep = Math.min(length - at, delimiter.length - 1);
                        if (state == State.CONTENT) {
                            parts.content(data, at, length - at - keep);
                        }
                        keep(data, length - keep, keep);
                        return;
                    }
                }
                case AFTER_DELIMITER -> {
                    if (length - at < 2) {
                        keep(data, at, length - at);
                        return;
                    }
                    if (data[at] == '-' && data[at + 1] == '-') {
                        state = State.DONE; // the closing delimiter; an epilogue is ignored
                        return;
                    }
                    // Transport padding (spaces, tabs) may follow a delimiter before its CRLF.
                    int eol = at;
                    while (eol < length && (data[eol] == ' ' || data[eol] == '\t')) {
                        eol++;
                    }
                    if (length - eol < 2) {
                        keep(data, at, length - at);
                        return;
                    }
                    if (data[eol] != '\r' || data[eol + 1] != '\n') {
                        throw malformed("a boundary is not followed by a line break");
                    }
                    at = eol + 2;
                    headers.reset();
                    state = State.HEADERS;
                }
                case HEADERS -> {
                    int end = indexOf(data, at, length, HEADER_END);
                    int upTo = end >= 0 ? end : Math.max(at, length - 3);
                    headers.write(data, at, upTo - at);
                    if (headers.size() > MAX_HEADER_BYTES) {
                        throw malformed("a part's headers are longer than " + MAX_HEADER_BYTES + " bytes");
                    }
                    if (end < 0) {
                        keep(data, upTo, length - upTo);
                        return;
                    }
                    startPart(headers.toString(StandardCharsets.UTF_8));
                    at = end + HEADER_END.length;
                    state = State.CONTENT;
                }
                case DONE -> {
                    return;
                }
            }
        }
    }

    /** The body ended: fails unless the closing delimiter was seen. */
    void finish() {
        if (state != State.DONE) {
            throw malformed("the body ended before its closing boundary");
        }
    }

    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

    private void startPart(String block) {
        String name = null;
        String filename = null;
        String type = null;
        for (String line : block.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String header = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (header.equals("content-disposition")) {
                name = parameter(value, "name");
                filename = parameter(value, "filename");
            } else if (header.equals("content-type")) {
                type = value;
            }
        }
        if (name == null) {
            throw malformed("a part has no Content-Disposition name");
        }
        parts.start(name, filename, type);
    }

    /** A parameter of a Content-Disposition value, quoted or not ({@code name="file"}). */
    static String parameter(String value, String key) {
        int i = 0;
        while (i < value.length()) {
            int semi = value.indexOf(';', i);
            if (semi < 0) {
                return null;
            }
            int start = semi + 1;
            while (start < value.length() && value.charAt(start) == ' ') {
                start++;
            }
            int eq = value.indexOf('=', start);
            if (eq < 0) {
                return null;
            }
            String k = value.substring(start, eq).trim().toLowerCase(Locale.ROOT);
            int valueStart = eq + 1;
            String v;
            int next;
            if (valueStart < value.length() && value.charAt(valueStart) == '"') {
                StringBuilder quoted = new StringBuilder();
                int j = valueStart + 1;
                while (j < value.length() && value.charAt(j) != '"') {
                    char c = value.charAt(j);
                    if (c == '\\' && j + 1 < value.length()) {
                        c = value.charAt(++j);
                    }
                    quoted.append(c);
                    j++;
                }
                v = quoted.toString();
                next = j + 1;
            } else {
                int end = value.indexOf(';', valueStart);
                v = value.substring(valueStart, end < 0 ? value.length() : end).trim();
                next = end < 0 ? value.length() : end;
            }
            if (k.equals(key)) {
                return v;
            }
            i = next;
        }
        return null;
    }

    private void keep(byte[] data, int from, int length) {
        if (carry.length < length) {
            carry = new byte[length];
        }
        System.arraycopy(data, from, carry, 0, length);
        carryLength = length;
    }

    private static int indexOf(byte[] data, int from, int to, byte[] pattern) {
        int last = to - pattern.length;
        outer:
        for (int i = from; i <= last; i++) {
            if (data[i] != pattern[0]) {
                continue;
            }
            for (int j = 1; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static GatewayException malformed(String why) {
        return GatewayException.invalid("The multipart/form-data body is malformed: " + why + ".", null);
    }
}
