package dev.gatehouse.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.streams.WriteStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
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
    /** The first bytes kept in memory to recognise the file's format (a WAV header, say). */
    public static final int HEAD_BYTES = 64;

    private final Vertx vertx;
    private final String path;
    private final SecretKeySpec key;
    private final byte[] iv = new byte[16];
    private final Cipher writing;
    private final byte[] head = new byte[HEAD_BYTES];
    private int headLength;
    private AsyncFile file;
    /** Encrypted bytes written before the file was open (at most a network chunk: the request is paused meanwhile). */
    private List<Buffer> pending = new ArrayList<>();
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

    /** A spool under the temporary folder; {@link #open} creates its file, readable by this process's user only. */
    static Spool create(Vertx vertx) {
        byte[] name = new byte[12];
        RANDOM.nextBytes(name);
        String path = Path.of(System.getProperty("java.io.tmpdir"), "gatehouse-upload-" + HexFormat.of().formatHex(name) + ".bin").toString();
        return new Spool(vertx, path);
    }

    Future<Void> open() {
        return vertx.fileSystem().open(path, new OpenOptions().setCreateNew(true).setWrite(true).setRead(false).setPerms("rw-------"))
                .map(opened -> {
                    if (deleted) {
                        opened.close();
                        return null;
                    }
                    file = opened;
                    for (Buffer b : pending) {
                        file.write(b);
                    }
                    pending = null;
                    return null;
                });
    }

    /** Bytes written. */
    public long length() {
        return length;
    }

    /** The file's first bytes (up to {@link #HEAD_BYTES}). */
    public byte[] head() {
        return Arrays.copyOf(head, headLength);
    }

    /**
     * Encrypts and queues {@code length} bytes for the disk; returns true when the disk is behind
     * and the writer should wait for {@link #drainHandler}.
     */
    boolean write(byte[] bytes, int offset, int count) {
        if (count == 0) {
            return false;
        }
        if (headLength < HEAD_BYTES) {
            int n = Math.min(HEAD_BYTES - headLength, count);
            System.arraycopy(bytes, offset, head, headLength, n);
            headLength += n;
        }
        length += count;
        Buffer encrypted = Buffer.buffer(writing.update(bytes, offset, count));
        if (file == null) {
            pending.add(encrypted);
            return false;
        }
        file.write(encrypted);
        return file.writeQueueFull();
    }

    void drainHandler(Runnable drained) {
        file.drainHandler(v -> drained.run());
    }

    /** Flushes and closes the written file. */
    Future<Void> close() {
        if (file == null) {
            return Future.failedFuture(new IllegalStateException("spool file not open"));
        }
        AsyncFile closing = file;
        file = null; // written whole: from here on it is only read, by writeTo
        return closing.flush().compose(v -> closing.close());
    }

    /** Writes the decrypted file to {@code out} with back-pressure, without ending {@code out}. */
    public Future<Void> writeTo(WriteStream<Buffer> out) {
        if (deleted) {
            return Future.failedFuture(new IllegalStateException("the upload was already released"));
        }
        return vertx.fileSystem().open(path, new OpenOptions().setRead(true).setWrite(false)).compose(in -> {
            in.setReadBufferSize(READ_CHUNK);
            Cipher reading = cipher(Cipher.DECRYPT_MODE);
            Promise<Void> done = Promise.promise();
            in.handler(chunk -> {
                out.write(Buffer.buffer(reading.update(chunk.getBytes())));
                if (out.writeQueueFull()) {
                    in.pause();
                    out.drainHandler(v -> in.resume());
                }
            });
            in.exceptionHandler(done::tryFail);
            out.exceptionHandler(done::tryFail);
            in.endHandler(v -> done.tryComplete());
            return done.future().andThen(r -> in.close());
        });
    }

    /** Deletes the file; the key goes with this object. */
    public void delete() {
        if (!deleted) {
            deleted = true;
            AsyncFile open = file; // still open for writing when the read failed half way
            file = null;
            Future<Void> closed;
            try {
                closed = open == null ? Future.succeededFuture() : open.close().recover(e -> Future.succeededFuture());
            } catch (IllegalStateException alreadyClosed) {
                closed = Future.succeededFuture();
            }
            closed.onComplete(v -> vertx.fileSystem().delete(path));
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
