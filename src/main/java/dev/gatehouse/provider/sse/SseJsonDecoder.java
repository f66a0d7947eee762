package dev.gatehouse.provider.sse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Excerpt;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * The plumbing every dialect's SSE stream decoder shares: chunks go through one {@link SseParser};
 * each event's data that is not blank must be JSON (else an upstream error quoting it), and JSON
 * objects are handed to the dialect, which emits canonical events to {@link #out}. A dialect only
 * says what its objects mean and when its stream is complete.
 */
public abstract class SseJsonDecoder implements StreamDecoder {
    private final SseParser sse = new SseParser();
    private final Consumer<SseEvent> onEvent = this::onEvent;
    private final ObjectMapper mapper;
    private final String notJson;
    /** Where the events go: the consumer of the current {@link #feed} or {@link #end} call. */
    protected Consumer<StreamEvent> out;

    /** @param notJson the message, before the quoted data, for data that is not JSON */
    protected SseJsonDecoder(ObjectMapper mapper, String notJson) {
        this.mapper = mapper;
        this.notJson = notJson;
    }

    @Override
    public final void feed(Buffer chunk, Consumer<StreamEvent> out) {
        this.out = out;
        sse.feed(chunk, onEvent);
    }

    @Override
    public final boolean end(Consumer<StreamEvent> out) {
        this.out = out;
        sse.end(onEvent);
        return ended();
    }

    /** The body ended (the parser is flushed): emit what is still held, and say whether the stream was complete. */
    protected abstract boolean ended();

    /** Data that is not JSON but means something (OpenAI's {@code [DONE]}): true when handled. */
    protected boolean control(String data) {
        return false;
    }

    /** One JSON object event. Throws {@link UpstreamException} for an in-band error. */
    protected abstract void onObject(SseEvent event, JsonNode root);

    private void onEvent(SseEvent event) {
        String data = event.data();
        if (control(data) || data.isBlank()) {
            return;
        }
        JsonNode root;
        try {
            root = mapper.readTree(data);
        } catch (IOException e) {
            throw new UpstreamException(new UpstreamError(ErrorClass.UPSTREAM_ERROR, 200,
                    notJson + Excerpt.truncate(data), null, null, null));
        }
        if (root != null && root.isObject()) {
            onObject(event, root);
        }
    }
}
