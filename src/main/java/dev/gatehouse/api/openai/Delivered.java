package dev.gatehouse.api.openai;

import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.dialect.openai.OpenAiWireCodec;
import dev.gatehouse.provider.StreamDecoder;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * What an OpenAI-format stream has delivered to the caller so far: the answer's text, whether a
 * tool call was started (which cannot be resumed faithfully), and the stream's identity (id,
 * model, created) that a continuation must keep.
 */
record Delivered(String text, boolean toolCalls, String id, String model, long created) {

    /** Decodes the chunks that were forwarded as they were (the fast path keeps only references). */
    static Delivered decode(List<Buffer> chunks) {
        StreamDecoder decoder = new OpenAiWireCodec().streamDecoder();
        StringBuilder text = new StringBuilder();
        boolean[] toolCalls = {false};
        String[] id = {null, null};
        long[] created = {0};
        java.util.function.Consumer<StreamEvent> collect = event -> {
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
        return new Delivered(text.toString(), toolCalls[0], id[0], id[1], created[0]);
    }
}
