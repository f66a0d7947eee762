package dev.gatehouse.dialect.bedrock;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * The AWS event-stream binary framing ({@code application/vnd.amazon.eventstream}) that
 * ConverseStream answers in. Each message is
 * <pre>
 *   total length (4) | headers length (4) | prelude CRC32 (4) | headers | payload | message CRC32 (4)
 * </pre>
 * all big-endian; the prelude CRC covers the first 8 bytes and the message CRC everything before it.
 * A header is name length (1), name (UTF-8), value type (1) and a typed value; Bedrock only sends
 * strings ({@code :event-type}, {@code :message-type}, {@code :content-type}, ...) but every type is
 * skipped correctly. Chunks may split a message anywhere: the partial tail waits for the next chunk.
 * A CRC mismatch or an impossible length is a corrupt stream, reported as an exception, never
 * decoded into garbage.
 */
final class EventStreamDecoder {
    /** One decoded message: its string headers and its payload bytes. */
    record Frame(Map<String, String> headers, byte[] payload) {
        String header(String name) {
            return headers.get(name);
        }

        String payloadText() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** The framing is broken: the stream cannot be trusted from here on. */
    static final class CorruptStream extends RuntimeException {
        CorruptStream(String message) {
            super(message);
        }
    }

    static final int PRELUDE = 12;
    /** Bedrock's events are small; a 16 MiB message means a broken or hostile stream, not an answer. */
    static final int MAX_MESSAGE = 16 * 1024 * 1024;

    private Buffer pending = Buffer.buffer();

    /** Feeds one chunk and hands out every message it completes. */
    void feed(Buffer chunk, Consumer<Frame> out) {
        pending.appendBuffer(chunk);
        int pos = 0;
        while (pending.length() - pos >= PRELUDE) {
            long total = pending.getUnsignedInt(pos);
            long headersLength = pending.getUnsignedInt(pos + 4);
            long preludeCrc = pending.getUnsignedInt(pos + 8);
            if (crc(pending, pos, 8) != preludeCrc) {
                throw new CorruptStream("event-stream prelude CRC mismatch");
            }
            if (total < PRELUDE + 4 || total > MAX_MESSAGE || headersLength > total - PRELUDE - 4) {
                throw new CorruptStream("event-stream message length " + total + " (headers " + headersLength + ") is impossible");
            }
            if (pending.length() - pos < total) {
                break; // the rest of this message is in a later chunk
            }
            int end = pos + (int) total;
            long messageCrc = pending.getUnsignedInt(end - 4);
            if (crc(pending, pos, (int) total - 4) != messageCrc) {
                throw new CorruptStream("event-stream message CRC mismatch");
            }
            int headersStart = pos + PRELUDE;
            int payloadStart = headersStart + (int) headersLength;
            Map<String, String> headers = headers(pending, headersStart, payloadStart);
            out.accept(new Frame(headers, pending.getBytes(payloadStart, end - 4)));
            pos = end;
        }
        if (pos > 0) {
            pending = pending.getBuffer(pos, pending.length());
        }
    }

    /** Bytes received that do not make a whole message (a stream cut in the middle of one). */
    int pendingBytes() {
        return pending.length();
    }

    private static long crc(Buffer b, int from, int length) {
        CRC32 crc = new CRC32();
        crc.update(b.getBytes(from, from + length));
        return crc.getValue();
    }

    private static Map<String, String> headers(Buffer b, int from, int to) {
        Map<String, String> out = new HashMap<>();
        int p = from;
        while (p < to) {
            int nameLength = b.getUnsignedByte(p);
            p += 1;
            need(p + nameLength + 1, to);
            String name = b.getString(p, p + nameLength, "UTF-8");
            p += nameLength;
            int type = b.getUnsignedByte(p);
            p += 1;
            switch (type) {
                case 0, 1 -> { } // boolean true / false: no value bytes
                case 2 -> p += 1; // byte
                case 3 -> p += 2; // short
                case 4 -> p += 4; // int
                case 5, 8 -> p += 8; // long, timestamp
                case 6, 7 -> { // byte array, string: 2-byte length
                    need(p + 2, to);
                    int length = b.getUnsignedShort(p);
                    p += 2;
                    need(p + length, to);
                    if (type == 7) {
                        out.put(name, b.getString(p, p + length, "UTF-8"));
                    }
                    p += length;
                }
                case 9 -> p += 16; // uuid
                default -> throw new CorruptStream("event-stream header '" + name + "' has unknown value type " + type);
            }
            need(p, to);
        }
        return out;
    }

    private static void need(int position, int limit) {
        if (position > limit) {
            throw new CorruptStream("event-stream header runs past the headers' length");
        }
    }
}
