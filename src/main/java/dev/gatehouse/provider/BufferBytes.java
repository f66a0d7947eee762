package dev.gatehouse.provider;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * A view of a buffer's bytes: the backing array when there is one (no copy), else a copy. Hot
 * paths scan arrays instead of calling {@code Buffer.getByte} per byte, which pays bounds and
 * liveness checks each time and dominated the streaming profile.
 */
public record BufferBytes(byte[] array, int offset, int length) {

    public static BufferBytes of(Buffer buffer) {
        if (buffer instanceof BufferInternal internal) {
            ByteBuf buf = internal.unwrap();
            if (buf.hasArray()) {
                return new BufferBytes(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
            }
        }
        byte[] copy = buffer.getBytes();
        return new BufferBytes(copy, 0, copy.length);
    }
}
