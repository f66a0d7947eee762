package dev.gatehouse.api.openai;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What a same-format stream forwarded, kept so a broken stream can be continued elsewhere.
 * The fast path appends a reference per chunk (no copy, no decode); every {@link #FOLD_BYTES}
 * the references are decoded into the answer's text and dropped, so a long answer (or one whose
 * caller stopped reading while the socket still took bytes) holds its text, not its SSE framing.
 * Past {@link #MAX_TEXT_CHARS} of text nothing more is kept and the stream is no longer
 * resumable: the memory a stream can hold stays bounded.
 */
final class DeliveredLog {
    static final int FOLD_BYTES = 64 * 1024;
    /** About 64k tokens of text: a longer answer that breaks ends with an in-band error instead of being continued. */
    static final int MAX_TEXT_CHARS = 256 * 1024;

    private final List<Buffer> chunks = new ArrayList<>();
    /** Created at the first fold: most streams end without ever being decoded (a decoder per stream was most of a relay's set-up). */
    private ForwardedChunks.Decoding folded;
    private int chunkBytes;
    private boolean overflowed;

    void add(Buffer chunk) {
        if (overflowed) {
            return;
        }
        chunks.add(chunk);
        chunkBytes += chunk.length();
        if (chunkBytes >= FOLD_BYTES) {
            fold();
        }
    }

    private void fold() {
        if (folded == null) {
            folded = new ForwardedChunks.Decoding();
        }
        for (Buffer chunk : chunks) {
            folded.feed(chunk);
        }
        chunks.clear();
        chunkBytes = 0;
        if (folded.textLength() > MAX_TEXT_CHARS) {
            overflowed = true;
        }
    }

    /** Whether all that was delivered is known (else a continuation would repeat or lose text). */
    boolean complete() {
        return !overflowed;
    }

    /** Bytes of SSE held by reference, not yet folded into text. */
    int heldBytes() {
        return chunkBytes;
    }

    /** What was delivered, and the stream's identity (the text cut at the bound when not {@link #complete()}). */
    ForwardedChunks delivered() {
        fold();
        return folded.result();
    }
}
