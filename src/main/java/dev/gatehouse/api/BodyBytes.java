package dev.gatehouse.api;

import io.vertx.core.buffer.Buffer;

/** Byte searches in request bodies, so a feature that few requests use costs the others no parsing. */
public final class BodyBytes {
    private BodyBytes() {}

    /** Whether {@code body} contains {@code needle}: a byte search, no parsing, no copy. */
    public static boolean contains(Buffer body, byte[] needle) {
        int last = body.length() - needle.length;
        outer:
        for (int i = 0; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (body.getByte(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
