package dev.gatehouse.api.openai;

import dev.gatehouse.api.Delivered;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.dialect.openai.OpenAiWireCodec;
import dev.gatehouse.provider.StreamDecoder;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.function.Consumer;

/**
 * What an OpenAI-format stream that passed through untranslated delivered, decoded from the
 * chunks forwarded (the fast path keeps only references): the answer so far, and the stream's
 * identity (id, model, created) that a continuation must keep.
 */
record ForwardedChunks(Delivered delivered, String id, String model, long created) {

    static ForwardedChunks decode(List<Buffer> chunks) {
        StreamDecoder decoder = new OpenAiWireCodec().streamDecoder();
        StringBuilder text = new StringBuilder();
        boolean[] toolCalls = {false};
        String[] id = {null, null};
        long[] created = {0};
        Consumer<StreamEvent> collect = event -> {
            switch (event) {
                case StreamEvent.Start s -> {
                    if (id[0] == null) {
                        id[0] = s.id();
                        id[1] = s.model();
                        created[0] = s.created();
                    }
                }
                case StreamEvent.TextDelta t -> text.append(t.text());
                case StreamEvent.ToolCallDelta d -> toolCalls[0] = true;
                default -> { }
            }
        };
        try {
            for (Buffer chunk : chunks) {
                decoder.feed(chunk, collect);
            }
        } catch (RuntimeException malformed) {
            // What was decoded up to the bad chunk is what the caller could read.
        }
        return new ForwardedChunks(new Delivered(text.toString(), toolCalls[0]), id[0], id[1], created[0]);
    }
}
