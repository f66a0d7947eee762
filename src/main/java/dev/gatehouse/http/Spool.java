package dev.gatehouse.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * An uploaded file kept on disk for the length of one call, so that the upload never sits whole
 * in memory and can be sent again to a fallback target. The bytes are encrypted (AES-CTR) with a
 * key made for this file that lives only in this object: what reaches the disk is unreadable
 * once the process forgets the key, which keeps uploads under zero data retention out of files in
 * any useful sense; the file is deleted when the call ends.
 */
public final class Spool {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Read size when sending the file on: large enough to be cheap, small enough to be a few of them in memory. */
    private static final int READ_CHUNK = 64 * 1024;

    private final Vertx vertx;
    private final String path;
    private final SecretKeySpec key;
    private final byte[] iv = new byte[16];
    private final Cipher writing;
    private long length;
    private boolean deleted;

    private Spool(Vertx vertx, String path) {
        this.vertx = vertx;
        this.path = path;
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        RANDOM.nextBytes(iv);
        this.key = new SecretKeySpec(k, "AES");
        this.writing = cipher(Cipher.ENCRYPT_MODE);
    }

    /** Creates an empty spool file readable by this process's user only. */
    static Future<Spool> create(Vertx vertx) {
        String dir = System.getProperty("java.io.tmpdir");
        return vertx.fileSystem().createTempFile(dir, "gatehouse-upload-", ".bin", "rw-------")
                .map(path -> new Spool(vertx, path));
    }

    /** Bytes written. */
    public long length() {
        return length;
    }

    /**
     * Writes {@code in} to the file with back-pressure (the caller's upload waits for the disk),
     * stopping with a failure as soon as more than {@code maxBytes} arrived in all.
     *
     * @param already bytes of the request already counted against {@code maxBytes}
     */
    Future<Void> fill(ReadStream<Buffer> in, AsyncFile file, long maxBytes, java.util.function.LongSupplier already,
            java.util.function.Supplier<Throwable> tooLarge) {
        Promise<Void> done = Promise.promise();
        in.handler(chunk -> {
            length += chunk.length();
            if (already.getAsLong() + length > maxBytes) {
                in.pause();
                done.tryFail(tooLarge.get());
                return;
            }
            file.write(Buffer.buffer(writing.update(chunk.getBytes())));
            if (file.writeQueueFull()) {
                in.pause();
                file.drainHandler(v -> in.resume());
            }
        });
        in.exceptionHandler(done::tryFail);
        file.exceptionHandler(done::tryFail);
        in.endHandler(v -> file.flush().onComplete(flushed -> {
            if (flushed.failed()) {
                done.tryFail(flushed.cause());
            } else {
                done.tryComplete();
            }
        }));
        in.resume();
        return done.future();
    }

    /** Opens the file for writing (the receiving side). */
    Future<AsyncFile> openForWriting() {
        return vertx.fileSystem().open(path, new OpenOptions().setWrite(true).setRead(false).setCreate(false));
    }

    /** Writes the decrypted file to {@code out} with back-pressure, without ending {@code out}. */
    public Future<Void> writeTo(WriteStream<Buffer> out) {
        if (deleted) {
            return Future.failedFuture(new IllegalStateException("the upload was already released"));
        }
        return vertx.fileSystem().open(path, new OpenOptions().setRead(true).setWrite(false)).compose(file -> {
            file.setReadBufferSize(READ_CHUNK);
            Cipher reading = cipher(Cipher.DECRYPT_MODE);
            Promise<Void> done = Promise.promise();
            file.handler(chunk -> {
                out.write(Buffer.buffer(reading.update(chunk.getBytes())));
                if (out.writeQueueFull()) {
                    file.pause();
                    out.drainHandler(v -> file.resume());
                }
            });
            file.exceptionHandler(done::tryFail);
            out.exceptionHandler(done::tryFail);
            file.endHandler(v -> done.tryComplete());
            return done.future().andThen(r -> file.close());
        });
    }

    /** Deletes the file; the key goes with this object. */
    public void delete() {
        if (!deleted) {
            deleted = true;
            vertx.fileSystem().delete(path);
        }
    }

    private Cipher cipher(int mode) {
        try {
            Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(mode, key, new IvParameterSpec(iv));
            return cipher;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR is not available", e);
        }
    }
}
