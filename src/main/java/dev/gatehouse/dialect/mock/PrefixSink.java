package dev.gatehouse.dialect.mock;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * Where the mock receives a streamed upload: keeps its first bytes (the form's fields and the
 * file's header) and counts the rest, as a real server reading a 200 MB file would not keep it.
 */
final class PrefixSink implements WriteStream<Buffer> {
    static final int KEPT = 64 * 1024;

    private final Buffer prefix = Buffer.buffer();
    private long received;

    Buffer prefix() {
        return prefix;
    }

    long received() {
        return received;
    }

    @Override
    public Future<Void> write(Buffer data) {
        received += data.length();
        if (prefix.length() < KEPT) {
            prefix.appendBuffer(data, 0, Math.min(data.length(), KEPT - prefix.length()));
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> end() {
        return Future.succeededFuture();
    }

    @Override
    public PrefixSink exceptionHandler(Handler<Throwable> handler) {
        return this;
    }

    @Override
    public PrefixSink setWriteQueueMaxSize(int maxSize) {
        return this;
    }

    @Override
    public boolean writeQueueFull() {
        return false;
    }

    @Override
    public PrefixSink drainHandler(Handler<Void> handler) {
        return this;
    }
}
