package dev.gatehouse.api.openai;

import dev.gatehouse.api.Delivered;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.dialect.openai.OpenAiWireCodec;
import dev.gatehouse.provider.StreamDecoder;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * What an OpenAI-format stream that passed through untranslated delivered, decoded from the
 * chunks forwarded (the fast path keeps only references): the answer so far, and the stream's
 * identity (id, model, created) that a continuation must keep.
 */
record ForwardedChunks(Delivered delivered, String id, String model, long created) {

    static ForwardedChunks decode(List<Buffer> chunks) {
        Decoding decoding = new Decoding();
        for (Buffer chunk : chunks) {
            decoding.feed(chunk);
        }
        return decoding.result();
    }

    /** A decode fed chunk by chunk (see {@link DeliveredLog}, which folds forwarded chunks in batches). */
    static final class Decoding {
        private final StreamDecoder decoder = new OpenAiWireCodec().streamDecoder();
        private final StringBuilder text = new StringBuilder();
        private boolean toolCalls;
        private String id;
        private String model;
        private long created;
        private boolean malformed;

        void feed(Buffer chunk) {
            if (malformed) {
                return;
            }
            try {
                decoder.feed(chunk, this::collect);
            } catch (RuntimeException e) {
                // What was decoded up to the bad chunk is what the caller could read.
                malformed = true;
            }
        }

        private void collect(StreamEvent event) {
            switch (event) {
                case StreamEvent.Start s -> {
                    if (id == null) {
                        id = s.id();
                        model = s.model();
                        created = s.created();
                    }
                }
                case StreamEvent.TextDelta t -> text.append(t.text());
                case StreamEvent.ToolCallDelta d -> toolCalls = true;
                default -> { }
            }
        }

        int textLength() {
            return text.length();
        }

        ForwardedChunks result() {
            return new ForwardedChunks(new Delivered(text.toString(), toolCalls), id, model, created);
        }
    }
}
